using System.Buffers.Text;

namespace Diffusion.Grpc;

/// <summary>Metadata to and from HTTP/2 header values.</summary>
internal static class MetadataCodec
{
    /// <summary>
    /// The header value of an entry. Binary values are sent as base64 without padding: the spec asks
    /// implementations to emit unpadded values and to accept both.
    /// </summary>
    public static string ToHeaderValue(Metadata.Entry entry) =>
        entry.IsBinary ? Convert.ToBase64String(entry.ValueBytes).TrimEnd('=') : entry.Value;

    /// <summary>
    /// Adds the entries a received header carries. A binary header may carry several base64 values
    /// separated by commas (how HTTP joins repeated fields). Malformed values are dropped, not fatal.
    /// </summary>
    public static void AddFromHeader(Metadata metadata, string name, string value)
    {
        if (GrpcProtocol.IsReservedHeader(name))
        {
            return;
        }

        var key = name.ToLowerInvariant();
        if (!key.EndsWith(Metadata.BinarySuffix, StringComparison.Ordinal))
        {
            if (IsPrintableAscii(value))
            {
                metadata.Add(key, value);
            }

            return;
        }

        foreach (var range in value.AsSpan().Split(','))
        {
            if (TryDecodeBase64(value.AsSpan()[range].Trim(), out var bytes))
            {
                metadata.Add(key, bytes);
            }
        }
    }

    /// <summary>Decodes base64 with or without '=' padding.</summary>
    public static bool TryDecodeBase64(ReadOnlySpan<char> text, out byte[] bytes)
    {
        var padding = (4 - (text.Length % 4)) % 4;
        if (padding == 3)
        {
            bytes = [];
            return false;
        }

        Span<char> padded = text.Length + padding <= 512 ? stackalloc char[text.Length + padding] : new char[text.Length + padding];
        text.CopyTo(padded);
        padded[text.Length..].Fill('=');
        var buffer = new byte[Base64.GetMaxDecodedFromUtf8Length(padded.Length)];
        if (!Convert.TryFromBase64Chars(padded, buffer, out var written))
        {
            bytes = [];
            return false;
        }

        bytes = buffer.AsSpan(0, written).ToArray();
        return true;
    }

    private static bool IsPrintableAscii(string value)
    {
        foreach (var c in value)
        {
            if (c is < (char)0x20 or > (char)0x7E)
            {
                return false;
            }
        }

        return true;
    }
}
