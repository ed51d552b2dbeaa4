using System.Text;
using System.Text.RegularExpressions;
using Diffusion.Tokenizers.Unicode;

namespace Diffusion.Tokenizers.Ftfy;

/// <summary>ftfy 6.1.1's character-level fixers (ftfy.fixes), each a pure string-to-string function.</summary>
internal static class CharacterFixes
{
    // ftfy chardata.LIGATURES: Latin typographic ligatures and legacy digraphs (not æ/œ, which are
    // used on purpose).
    private static readonly Dictionary<char, string> s_ligatures = new()
    {
        ['\u0132'] = "IJ", ['\u0133'] = "ij", ['\u0149'] = "\u02BCn",
        ['\u01F1'] = "DZ", ['\u01F2'] = "Dz", ['\u01F3'] = "dz",
        ['\u01C4'] = "D\u017D", ['\u01C5'] = "D\u017E", ['\u01C6'] = "d\u017E",
        ['\u01C7'] = "LJ", ['\u01C8'] = "Lj", ['\u01C9'] = "lj",
        ['\u01CA'] = "NJ", ['\u01CB'] = "Nj", ['\u01CC'] = "nj",
        ['\uFB00'] = "ff", ['\uFB01'] = "fi", ['\uFB02'] = "fl", ['\uFB03'] = "ffi", ['\uFB04'] = "ffl",
        ['\uFB05'] = "\u017Ft", ['\uFB06'] = "st",
    };

    private static readonly Lazy<Dictionary<char, string>> s_widthMap = new(() =>
        EmbeddedTable.Rows("WidthMap.tsv").ToDictionary(r => (char)EmbeddedTable.CodePoint(r[0]), r => EmbeddedTable.Text(r[1])));

    // Python re's '\d' on str patterns is any Unicode decimal digit, as .NET's '\d' is.
    private static readonly Regex s_ansiEscape = new(@"\u001B\[(?:\d|;)*[a-zA-Z]", RegexOptions.CultureInvariant);

    /// <summary>ftfy.fixes.fix_latin_ligatures.</summary>
    public static string FixLatinLigatures(string text) => Translate(text, s_ligatures);

    /// <summary>ftfy.fixes.fix_character_width: full-width ASCII, half-width kana/Hangul and U+3000
    /// replaced by their NFKC (standard-width) forms.</summary>
    public static string FixCharacterWidth(string text) => Translate(text, s_widthMap.Value);

    /// <summary>ftfy.fixes.uncurl_quotes: U+201C..U+201F become '"', U+02BC and U+2018..U+201B become "'".</summary>
    public static string UncurlQuotes(string text)
    {
        if (!text.AsSpan().ContainsAnyInRange('\u2018', '\u201F') && text.IndexOf('\u02BC') < 0)
            return text;
        var chars = text.ToCharArray();
        for (var i = 0; i < chars.Length; i++)
        {
            if (chars[i] is >= '\u201C' and <= '\u201F') chars[i] = '"';
            else if (chars[i] is '\u02BC' or >= '\u2018' and <= '\u201B') chars[i] = '\'';
        }
        return new string(chars);
    }

    /// <summary>ftfy.fixes.fix_line_breaks: CRLF, CR, U+2028, U+2029 and U+0085 become LF.</summary>
    public static string FixLineBreaks(string text) => text
        .Replace("\r\n", "\n", StringComparison.Ordinal)
        .Replace('\r', '\n')
        .Replace('\u2028', '\n')
        .Replace('\u2029', '\n')
        .Replace('\u0085', '\n');

    /// <summary>ftfy.fixes.fix_surrogates. A .NET string already pairs valid surrogates into one
    /// character, so what remains is replacing unpaired halves with U+FFFD.</summary>
    public static string FixSurrogates(string text)
    {
        StringBuilder? sb = null;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                sb?.Append(c).Append(text[i + 1]);
                i++;
                continue;
            }
            if (char.IsSurrogate(c))
            {
                sb ??= new StringBuilder(text, 0, i, text.Length);
                sb.Append('\uFFFD');
                continue;
            }
            sb?.Append(c);
        }
        return sb?.ToString() ?? text;
    }

    /// <summary>ftfy.fixes.remove_terminal_escapes: ANSI "ESC [ digits/; letter" sequences.</summary>
    public static string RemoveTerminalEscapes(string text) =>
        text.IndexOf('\u001B') < 0 ? text : s_ansiEscape.Replace(text, "");

    /// <summary>ftfy.fixes.remove_control_chars: U+0000..U+0008, U+000B, U+000E..U+001F, U+007F,
    /// U+206A..U+206F, U+FEFF and U+FFF9..U+FFFC are deleted; tab, LF, FF, CR, joiners, bidi
    /// controls and C1 controls stay.</summary>
    public static string RemoveControlChars(string text)
    {
        StringBuilder? sb = null;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            var remove = c is <= '\u0008' or '\u000B' or >= '\u000E' and <= '\u001F' or '\u007F'
                or >= '\u206A' and <= '\u206F' or '\uFEFF' or >= '\uFFF9' and <= '\uFFFC';
            if (remove)
                sb ??= new StringBuilder(text, 0, i, text.Length);
            else
                sb?.Append(c);
        }
        return sb?.ToString() ?? text;
    }

    // str.translate over BMP keys: surrogate halves never match a key, so astral characters pass.
    private static string Translate(string text, Dictionary<char, string> map)
    {
        StringBuilder? sb = null;
        for (var i = 0; i < text.Length; i++)
        {
            if (map.TryGetValue(text[i], out var replacement))
            {
                sb ??= new StringBuilder(text, 0, i, text.Length + 8);
                sb.Append(replacement);
            }
            else
            {
                sb?.Append(text[i]);
            }
        }
        return sb?.ToString() ?? text;
    }
}
