using System.Text;

namespace Diffusion.Tokenizers.Ftfy;

/// <summary>
/// The two UTF-8 decoders ftfy's fix_encoding uses: Python's strict "utf-8", and ftfy's
/// "utf-8-variants" (ftfy.bad_codecs.utf8_variants), which also accepts CESU-8 surrogate pairs and
/// Java's two-byte NUL (C0 80).
/// </summary>
internal static class Utf8Decoding
{
    private static readonly UTF8Encoding s_strict = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>Python bytes.decode("utf-8") (strict): false on any ill-formed sequence
    /// (overlongs, surrogates, above U+10FFFF, truncation), the same rules as the BCL's strict decoder.</summary>
    public static bool TryDecodeStrict(ReadOnlySpan<byte> bytes, out string text)
    {
        try
        {
            text = s_strict.GetString(bytes);
            return true;
        }
        catch (DecoderFallbackException)
        {
            text = "";
            return false;
        }
    }

    /// <summary>
    /// ftfy "utf-8-variants", strict: the input is cut at each special sequence (C0 80, or a byte ED
    /// followed by A0..BF); plain UTF-8 between them is decoded strictly; a six-byte CESU-8 pair
    /// ED [A0-AF] [80-BF] ED [B0-BF] [80-BF] becomes one astral character; anything else fails.
    /// </summary>
    public static bool TryDecodeVariants(ReadOnlySpan<byte> input, out string text)
    {
        var sb = new StringBuilder(input.Length);
        var pos = 0;
        text = "";
        while (pos < input.Length)
        {
            var rest = input[pos..];
            var special = FindSpecial(rest);
            if (special < 0)
            {
                if (!TryDecodeStrict(rest, out var plain)) return false;
                sb.Append(plain);
                break;
            }
            if (special > 0)
            {
                if (!TryDecodeStrict(rest[..special], out var plain)) return false;
                sb.Append(plain);
                pos += special;
                continue;
            }
            if (rest[0] == 0xC0)
            {
                // NULL_EXPR matched, so the C0 has a byte after it (80, or the final newline that
                // Python's '$' may stand before); ftfy decodes both bytes as U+0000.
                if (rest.Length == 1) return false;
                sb.Append('\0');
                pos += 2;
                continue;
            }
            // A possible six-byte CESU-8 sequence starting with ED.
            if (rest.Length < 6 || !IsCesu8Pair(rest))
                return false; // ftfy hands ED A0..BF to the strict decoder, which rejects it
            var codePoint = ((rest[1] & 0x0F) << 16) + ((rest[2] & 0x3F) << 10)
                + ((rest[4] & 0x0F) << 6) + (rest[5] & 0x3F) + 0x10000;
            sb.Append(char.ConvertFromUtf32(codePoint));
            pos += 6;
        }
        text = sb.ToString();
        return true;
    }

    // The start of the first match of ftfy's SPECIAL_BYTES_RE (NULL_EXPR | CESU8_EXPR | SURROGATE_EXPR),
    // which all begin with C0 or ED. Python's '$' also matches just before a final b"\n".
    private static int FindSpecial(ReadOnlySpan<byte> s)
    {
        for (var i = 0; i < s.Length; i++)
        {
            if (s[i] == 0xC0 && (At(s, i + 1, 0x80, 0x80) || IsEnd(s, i + 1)))
                return i;
            if (s[i] == 0xED && (At(s, i + 1, 0xA0, 0xBF) || IsEnd(s, i + 1)))
                return i;
        }
        return -1;
    }

    private static bool At(ReadOnlySpan<byte> s, int i, byte lo, byte hi) => i < s.Length && s[i] >= lo && s[i] <= hi;

    private static bool IsEnd(ReadOnlySpan<byte> s, int i) => i == s.Length || (i == s.Length - 1 && s[i] == (byte)'\n');

    // CESU8_RE.match on at least six bytes: each group is its byte range or '$'. With six or more
    // bytes only the last group can use '$', and only when exactly six remain and the sixth is "\n".
    private static bool IsCesu8Pair(ReadOnlySpan<byte> s) =>
        s[0] == 0xED && At(s, 1, 0xA0, 0xAF) && At(s, 2, 0x80, 0xBF) && s[3] == 0xED && At(s, 4, 0xB0, 0xBF)
        && (At(s, 5, 0x80, 0xBF) || IsEnd(s, 5));
}
