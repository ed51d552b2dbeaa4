using System.Text.RegularExpressions;

namespace Diffusion.Tokenizers.Ftfy;

/// <summary>
/// ftfy's byte-level repairs applied between "encode as a single-byte codec" and "decode as UTF-8"
/// (ftfy.fixes.restore_byte_a0, replace_lossy_sequences; chardata.ALTERED_UTF8_RE, LOSSY_UTF8_RE).
/// </summary>
/// <remarks>The byte patterns run on a Latin-1 view of the bytes (byte n = char U+00nn), so .NET's
/// string regex engine can match them exactly as Python's bytes patterns do.</remarks>
internal static class ByteFixes
{
    // UTF-8 sequences that would be valid if a byte A0 had not been turned into a space (0x20).
    private static readonly Regex s_alteredUtf8 = new(
        @"[\xC2\xC3\xC5\xCE\xD0\xD9] "
        + @"|[\xE2\xE3] [\x80-\x84\x86-\x9F\xA1-\xBF]"
        + @"|[\xE0-\xE3][\x80-\x84\x86-\x9F\xA1-\xBF] "
        + @"|\xF0 [\x80-\xBF][\x80-\xBF]"
        + @"|\xF0[\x80-\xBF] [\x80-\xBF]"
        + @"|\xF0[\x80-\xBF][\x80-\xBF] ",
        RegexOptions.CultureInvariant);

    // "Ã " as a word of its own is "à" whose A0 became a space; keep the space after it, except in
    // the Portuguese contractions "às", "àquele", "àquela", "àquilo".
    private static readonly Regex s_aGraveWord = new(@"\xC3 (?! |quele|quela|quilo|s )", RegexOptions.CultureInvariant);

    // UTF-8/CESU-8 sequences whose continuation bytes were lost: 0x1A stands for a byte that became
    // U+FFFD in a sloppy codec; '?' may stand for one byte once per sequence.
    private static readonly Regex s_lossyUtf8 = new(
        @"[\xC2-\xDF]\x1A"
        + @"|[\xC2-\xC3]\?"
        + @"|\xED[\xA0-\xAF][\x1A?]\xED[\xB0-\xBF][\x1A?\x80-\xBF]"
        + @"|\xED[\xA0-\xAF][\x1A?\x80-\xBF]\xED[\xB0-\xBF][\x1A?]"
        + @"|[\xE0-\xEF][\x1A?][\x1A\x80-\xBF]"
        + @"|[\xE0-\xEF][\x1A\x80-\xBF][\x1A?]"
        + @"|[\xF0-\xF4][\x1A?][\x1A\x80-\xBF][\x1A\x80-\xBF]"
        + @"|[\xF0-\xF4][\x1A\x80-\xBF][\x1A?][\x1A\x80-\xBF]"
        + @"|[\xF0-\xF4][\x1A\x80-\xBF][\x1A\x80-\xBF][\x1A?]"
        + @"|\x1A",
        RegexOptions.CultureInvariant);

    /// <summary>ALTERED_UTF8_RE.search: does a space sit where an A0 would complete a UTF-8 sequence?</summary>
    public static bool HasAlteredUtf8(byte[] bytes) => s_alteredUtf8.IsMatch(ToLatin1(bytes));

    /// <summary>ftfy.fixes.restore_byte_a0.</summary>
    public static byte[] RestoreByteA0(byte[] bytes)
    {
        var s = s_aGraveWord.Replace(ToLatin1(bytes), "\u00C3\u00A0 ");
        s = s_alteredUtf8.Replace(s, m => m.Value.Replace(' ', '\u00A0'));
        return FromLatin1(s);
    }

    /// <summary>ftfy.fixes.replace_lossy_sequences: each lossy sequence becomes the UTF-8 of U+FFFD.</summary>
    public static byte[] ReplaceLossySequences(byte[] bytes) =>
        FromLatin1(s_lossyUtf8.Replace(ToLatin1(bytes), "\u00EF\u00BF\u00BD"));

    private static string ToLatin1(byte[] bytes) => string.Create(bytes.Length, bytes, static (span, b) =>
    {
        for (var i = 0; i < b.Length; i++) span[i] = (char)b[i];
    });

    private static byte[] FromLatin1(string s)
    {
        var bytes = new byte[s.Length];
        for (var i = 0; i < s.Length; i++) bytes[i] = (byte)s[i];
        return bytes;
    }
}
