using System.Buffers;
using System.Text;

namespace Diffusion.Grpc;

/// <summary>
/// The grpc-message header value: UTF-8 bytes, percent-encoded except printable ASCII other than '%'
/// (PROTOCOL-HTTP2.md: Percent-Byte-Unencoded = 0x20-0x24 / 0x26-0x7E).
/// </summary>
internal static class GrpcMessageEncoding
{
    private const string HexDigits = "0123456789ABCDEF";

    public static string Encode(string message)
    {
        if (!NeedsEncoding(message))
        {
            return message;
        }

        var bytes = Encoding.UTF8.GetBytes(message);
        var builder = new StringBuilder(bytes.Length * 3);
        foreach (var b in bytes)
        {
            if (IsUnreserved(b))
            {
                builder.Append((char)b);
            }
            else
            {
                builder.Append('%').Append(HexDigits[b >> 4]).Append(HexDigits[b & 0xF]);
            }
        }

        return builder.ToString();
    }

    /// <summary>
    /// Decodes leniently, as the spec asks: a '%' not followed by two hex digits stays as it is, and
    /// byte sequences that are not valid UTF-8 become U+FFFD.
    /// </summary>
    public static string Decode(string value)
    {
        if (value.IndexOf('%') < 0)
        {
            return value;
        }

        // Each char becomes at most 3 UTF-8 bytes (a surrogate pair: 4 bytes for 2 chars).
        var buffer = ArrayPool<byte>.Shared.Rent(value.Length * 3);
        try
        {
            var length = 0;
            for (var i = 0; i < value.Length; i++)
            {
                var c = value[i];
                if (c == '%' && i + 2 < value.Length && TryHex(value[i + 1], out var hi) && TryHex(value[i + 2], out var lo))
                {
                    buffer[length++] = (byte)((hi << 4) | lo);
                    i += 2;
                }
                else if (c <= 0x7F)
                {
                    buffer[length++] = (byte)c;
                }
                else
                {
                    // Not legal in a header value; keep the character rather than fail the call.
                    var count = char.IsHighSurrogate(c) && i + 1 < value.Length ? 2 : 1;
                    length += Encoding.UTF8.GetBytes(value.AsSpan(i, count), buffer.AsSpan(length));
                    i += count - 1;
                }
            }

            return Encoding.UTF8.GetString(buffer, 0, length);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static bool NeedsEncoding(string message)
    {
        foreach (var c in message)
        {
            if (c > 0x7F || !IsUnreserved((byte)c))
            {
                return true;
            }
        }

        return false;
    }

    private static bool IsUnreserved(byte b) => b is >= 0x20 and <= 0x7E && b != (byte)'%';

    private static bool TryHex(char c, out int value)
    {
        value = c switch
        {
            >= '0' and <= '9' => c - '0',
            >= 'A' and <= 'F' => c - 'A' + 10,
            >= 'a' and <= 'f' => c - 'a' + 10,
            _ => -1,
        };
        return value >= 0;
    }
}
