using System.Text.RegularExpressions;
using static Diffusion.Tokenizers.Ftfy.MojibakeCategories;

namespace Diffusion.Tokenizers.Ftfy;

/// <summary>
/// ftfy 6.1.1 fix_encoding: detects mojibake (UTF-8 decoded with a single-byte codec) and undoes it,
/// repeating single steps until the text stops changing.
/// </summary>
internal static class EncodingFixer
{
    // ftfy chardata.UTF8_DETECTOR_RE: runs of characters that look like UTF-8 sequences read as a
    // single-byte codec, not preceded by a character that is itself a likely continuation byte.
    private static readonly Regex s_utf8Detector = new(
        $"(?<![{Utf8ContinuationStrict}])"
        + $"(?:[{Utf8FirstOf2}][{Utf8Continuation}]"
        + $"|[{Utf8FirstOf3}][{Utf8Continuation}]{{2}}"
        + $"|[{Utf8FirstOf4}][{Utf8Continuation}]{{3}})+",
        RegexOptions.CultureInvariant);

    private static readonly Regex s_c1Control = new(@"[\u0080-\u009F]", RegexOptions.CultureInvariant);

    /// <summary>ftfy.fix_encoding with the default configuration.</summary>
    public static string FixEncoding(string text)
    {
        while (true)
        {
            var fixedText = FixOneStep(text);
            if (fixedText == text)
                return fixedText;
            text = fixedText;
        }
    }

    /// <summary>True when the text contains C1 control characters (U+0080..U+009F).</summary>
    public static bool HasC1Controls(string text) => s_c1Control.IsMatch(text);

    /// <summary>ftfy.fixes.fix_c1_controls: each C1 control read as its sloppy Windows-1252 character.</summary>
    public static string FixC1Controls(string text) =>
        s_c1Control.Replace(text, m => SingleByteCodec.SloppyWindows1252.DecodeByte((byte)m.Value[0]).ToString());

    // ftfy _fix_encoding_one_step_and_explain.
    private static string FixOneStep(string text)
    {
        if (text.Length == 0 || IsAscii(text) || !Badness.IsBad(text))
            return text;

        var latin1Possible = false;
        foreach (var codec in SingleByteCodec.CharmapEncodings)
        {
            if (!codec.CanEncode(text))
                continue;
            if (ReferenceEquals(codec, SingleByteCodec.Latin1))
                latin1Possible = true;

            var bytes = codec.Encode(text);
            if (ByteFixes.HasAlteredUtf8(bytes))
                bytes = ByteFixes.RestoreByteA0(bytes);
            if (codec.IsSloppy)
                bytes = ByteFixes.ReplaceLossySequences(bytes);

            var variants = Array.IndexOf(bytes, (byte)0xED) >= 0 || Array.IndexOf(bytes, (byte)0xC0) >= 0;
            var ok = variants ? Utf8Decoding.TryDecodeVariants(bytes, out var decoded) : Utf8Decoding.TryDecodeStrict(bytes, out decoded);
            if (ok)
                return decoded;
        }

        if (s_utf8Detector.IsMatch(text))
        {
            var fixedText = DecodeInconsistentUtf8(text);
            if (fixedText != text)
                return fixedText;
        }

        if (latin1Possible)
        {
            // ftfy means to keep text that is also valid Windows-1252 here, but it tests for
            // "windows-1252" in a list that only ever holds "sloppy-windows-1252"; the test is
            // never true, so Latin-1 text is always re-read as strict Windows-1252 when that works.
            if (SingleByteCodec.Windows1252.TryDecode(SingleByteCodec.Latin1.Encode(text), out var reread) && reread != text)
                return reread;
        }

        if (HasC1Controls(text))
            return FixC1Controls(text);

        return text;
    }

    // ftfy.fixes.decode_inconsistent_utf8: fix each UTF-8-looking run on its own when it is bad
    // by itself and shorter than the whole text (so the recursion ends).
    private static string DecodeInconsistentUtf8(string text) =>
        s_utf8Detector.Replace(text, m =>
            m.Value.Length < text.Length && Badness.IsBad(m.Value) ? FixEncoding(m.Value) : m.Value);

    private static bool IsAscii(string text)
    {
        foreach (var c in text)
        {
            if (c > 0x7F) return false;
        }
        return true;
    }
}
