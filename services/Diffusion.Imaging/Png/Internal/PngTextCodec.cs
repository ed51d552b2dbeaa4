using System.Text;

namespace Diffusion.Imaging;

/// <summary>Reads and writes the three text chunk kinds (PNG spec 11.3.4): tEXt (Latin-1),
/// zTXt (Latin-1, deflated) and iTXt (UTF-8, optionally deflated, with language tags).</summary>
internal static class PngTextCodec
{
    private const int MaxKeywordLength = 79;

    /// <summary>The keyword/text of a text chunk, or null when the chunk is malformed, uses an
    /// unknown compression method (metadata never makes the image undecodable) or its text is
    /// longer than <paramref name="maxTextBytes"/> bytes (then <paramref name="tooLarge"/> is set;
    /// a compressed text is inflated no further than that).</summary>
    public static PngTextChunk? TryParse(uint type, ReadOnlySpan<byte> data, int maxTextBytes, out int textBytes, out bool tooLarge)
    {
        textBytes = 0;
        tooLarge = false;
        int nul = data.IndexOf((byte)0);
        if (nul < 1 || nul > MaxKeywordLength)
            return null;
        string keyword = Encoding.Latin1.GetString(data[..nul]);
        var rest = data[(nul + 1)..];
        byte[]? body;
        bool utf8 = false;
        switch (type)
        {
            case PngChunkTypes.tEXt:
                body = rest.Length <= maxTextBytes ? rest.ToArray() : null;
                tooLarge = body is null;
                break;
            case PngChunkTypes.zTXt:
                if (rest.Length < 1 || rest[0] != 0)
                    return null;
                body = TryInflate(rest[1..], maxTextBytes, out tooLarge);
                break;
            case PngChunkTypes.iTXt:
                // compression flag, compression method, language tag \0, translated keyword \0, text
                if (rest.Length < 2 || rest[0] > 1 || rest[1] != 0)
                    return null;
                bool compressed = rest[0] == 1;
                rest = rest[2..];
                int langEnd = rest.IndexOf((byte)0);
                if (langEnd < 0)
                    return null;
                rest = rest[(langEnd + 1)..];
                int translatedEnd = rest.IndexOf((byte)0);
                if (translatedEnd < 0)
                    return null;
                rest = rest[(translatedEnd + 1)..];
                utf8 = true;
                if (compressed)
                {
                    body = TryInflate(rest, maxTextBytes, out tooLarge);
                }
                else
                {
                    body = rest.Length <= maxTextBytes ? rest.ToArray() : null;
                    tooLarge = body is null;
                }
                break;
            default:
                return null;
        }
        if (body is null)
            return null;
        textBytes = body.Length;
        return new PngTextChunk(keyword, utf8 ? Encoding.UTF8.GetString(body) : Encoding.Latin1.GetString(body));
    }

    private static byte[]? TryInflate(ReadOnlySpan<byte> compressed, int maxBytes, out bool tooLarge)
    {
        tooLarge = false;
        try
        {
            var buffer = BoundedInflater.Inflate(new ArraySegment<byte>(compressed.ToArray()), maxBytes, "text chunk", out int length);
            tooLarge = length > maxBytes;
            return tooLarge ? null : buffer.AsSpan(0, length).ToArray();
        }
        catch (ImageFormatException)
        {
            return null;
        }
    }

    /// <summary>The chunk type and data for <paramref name="entry"/>: tEXt when the text is Latin-1
    /// (what PIL's PngInfo.add_text writes), otherwise an uncompressed iTXt in UTF-8.</summary>
    /// <exception cref="ArgumentException">The keyword is empty, too long, not Latin-1 printable,
    /// has leading/trailing/double spaces, or the text contains NUL.</exception>
    public static (uint Type, byte[] Data) Encode(PngTextChunk entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        string keyword = entry.Keyword ?? "";
        string text = entry.Text ?? "";
        if (keyword.Length is < 1 or > MaxKeywordLength)
            throw new ArgumentException($"PNG text keyword must be 1-{MaxKeywordLength} characters, got {keyword.Length}", nameof(entry));
        foreach (char c in keyword)
        {
            if (!(c is >= ' ' and <= '~' || c is >= '\u00A1' and <= '\u00FF'))
                throw new ArgumentException($"PNG text keyword '{keyword}' contains U+{(int)c:X4}; only printable Latin-1 is allowed", nameof(entry));
        }
        if (keyword[0] == ' ' || keyword[^1] == ' ' || keyword.Contains("  ", StringComparison.Ordinal))
            throw new ArgumentException($"PNG text keyword '{keyword}' has leading, trailing or consecutive spaces", nameof(entry));
        if (text.Contains('\0'))
            throw new ArgumentException($"PNG text for '{keyword}' contains a NUL character", nameof(entry));

        bool latin1 = true;
        foreach (char c in text)
        {
            if (c > '\u00FF') { latin1 = false; break; }
        }
        var kw = Encoding.Latin1.GetBytes(keyword);
        if (latin1)
        {
            var body = Encoding.Latin1.GetBytes(text);
            var data = new byte[kw.Length + 1 + body.Length];
            kw.CopyTo(data, 0);
            body.CopyTo(data, kw.Length + 1);
            return (PngChunkTypes.tEXt, data);
        }
        var utf8 = Encoding.UTF8.GetBytes(text);
        // keyword \0, compression flag 0, method 0, empty language tag \0, empty translated keyword \0
        var itxt = new byte[kw.Length + 5 + utf8.Length];
        kw.CopyTo(itxt, 0);
        utf8.CopyTo(itxt, kw.Length + 5);
        return (PngChunkTypes.iTXt, itxt);
    }
}
