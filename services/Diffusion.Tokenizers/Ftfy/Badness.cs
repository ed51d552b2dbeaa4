using System.Text.RegularExpressions;
using static Diffusion.Tokenizers.Ftfy.MojibakeCategories;

namespace Diffusion.Tokenizers.Ftfy;

/// <summary>
/// ftfy 6.1.1's mojibake heuristic (ftfy.badness.is_bad): text is "bad" when it contains an
/// unlikely juxtaposition of the characters that UTF-8 mojibake is made of.
/// </summary>
internal static class Badness
{
    // Python re semantics kept where .NET differs: '\s' there is str.isspace (adds U+001C..U+001F),
    // '\w' is str.isalnum or '_' (letters and numbers, no combining marks), and '.' is one code point.
    private const string PySpace = @"[\s\x1C-\x1F]";
    private const string PyWord = @"[\p{L}\p{N}_]";
    private const string PyAnyButNewline = @"(?:[\uD800-\uDBFF][\uDC00-\uDFFF]|[^\n])";

    private static readonly string[] s_rules =
    [
        $"[{C1}]",
        $"[{Bad}{LowerAccented}{UpperAccented}{Box}{StartPunctuation}{EndPunctuation}{Currency}{Numeric}][{Bad}]",
        $"[a-zA-Z][{LowerCommon}{UpperCommon}][{Bad}]",
        $"[{Bad}][{LowerAccented}{UpperAccented}{Box}{StartPunctuation}{EndPunctuation}{Currency}{Numeric}]",
        $"[{LowerAccented}{LowerCommon}{Box}{EndPunctuation}{Currency}{Numeric}][{UpperAccented}]",
        $"[{Box}{EndPunctuation}{Currency}{Numeric}][{LowerAccented}]",
        // [upper_accented][currency] alone is left out: it is used in leetspeak-like writing.
        $"[{LowerAccented}{Box}{EndPunctuation}][{Currency}]",
        $"{PySpace}[{UpperAccented}][{Currency}]",
        $"[{UpperAccented}{Box}][{Numeric}]",
        $"[{LowerAccented}{UpperAccented}{Box}{Currency}{EndPunctuation}][{StartPunctuation}][{Numeric}]",
        $"[{LowerAccented}{UpperAccented}{Currency}{Numeric}{Box}][{EndPunctuation}][{StartPunctuation}]",
        $"[{Currency}{Numeric}{Box}][{StartPunctuation}]",
        $"[a-z][{UpperAccented}][{StartPunctuation}{Currency}]",
        $"[{Box}][{Kaomoji}]",
        $"[{LowerAccented}{UpperAccented}{Currency}{Numeric}{StartPunctuation}{EndPunctuation}][{Box}]",
        $"[{Box}][{EndPunctuation}]",
        $"[{LowerAccented}{UpperAccented}][{EndPunctuation}]{PyWord}",
        // The ligature œ not followed by an unaccented Latin letter.
        @"[\u0152\u0153][^A-Za-z]",
        // Common two-character Windows-1252 mojibake: Â Ã Î Ð before € Š š ¢ £ Ÿ ž NBSP SHY ® © ° · » – — ´ and punctuation.
        $@"[\u00C2\u00C3\u00CE\u00D0][\u20AC\u0160\u0161\u00A2\u00A3\u0178\u017E\u00A0\u00AD\u00AE\u00A9\u00B0\u00B7\u00BB{StartPunctuation}{EndPunctuation}\u2013\u2014\u00B4]",
        @"\u00D7[\u00B2\u00B3]",
        // Windows-1252 mojibake of Arabic: four characters, because the 'common' ones are allowed.
        $@"[\u00D8\u00D9][{Common}{Currency}{Bad}{Numeric}{StartPunctuation}\u0178\u0160\u00AE\u00B0\u00B5\u00BB]"
            + $@"[\u00D8\u00D9][{Common}{Currency}{Bad}{Numeric}{StartPunctuation}\u0178\u0160\u00AE\u00B0\u00B5\u00BB]",
        // Windows-1252 starts of three-byte sequences of South Asian scripts.
        @"\u00E0[\u00B2\u00B5\u00B9\u00BC\u00BD\u00BE]",
        // MacRoman mojibake not covered above.
        @"\u221A[\u00B1\u2202\u2020\u2260\u00AE\u2122\u00B4\u2264\u2265\u00A5\u00B5\u00F8]",
        @"\u2248[\u00B0\u00A2]",
        @"\u201A\u00C4[\u00EC\u00EE\u00EF\u00F2\u00F4\u00FA\u00F9\u00FB\u2020\u00B0\u00A2\u03C0]",
        @"\u201A[\u00E2\u00F3][\u00E0\u00E4\u00B0\u00EA]",
        // Windows-1251 mojibake of U+2000..U+206F.
        @"\u0432\u0402",
        // Windows-1251 mojibake of Latin-1 or Cyrillic: a three-character sequence.
        $@"[\u0412\u0413\u0420\u0421][{C1}{Bad}{StartPunctuation}{EndPunctuation}{Currency}\u00B0\u00B5][\u0412\u0413\u0420\u0421]",
        // Windows-1251 over Latin-1 mojibake of Windows-1252 punctuation, next to a Latin letter.
        $@"\u0413\u045E\u0412\u0402\u0412{PyAnyButNewline}[A-Za-z ]",
        // Windows-1252 encodings of 'à', 'á' and NBSP itself.
        @"\u00C3[\u00A0\u00A1]",
        $@"[a-z]{PySpace}?[\u00C3\u00C2] ",
        @"^[\u00C3\u00C2] ",
        // Â standing in front of the very character it encodes.
        $@"[a-z.,?!{EndPunctuation}]\u00C2[ {StartPunctuation}{EndPunctuation}]",
        // Windows-1253 mojibake of U+2000..U+206F.
        @"\u03B2\u20AC[\u2122\u00A0\u0386\u00AD\u00AE\u00B0]",
        // Windows-1253 mojibake of Latin-1 or Greek.
        $@"[\u0392\u0393\u039E\u039F][{C1}{Bad}{StartPunctuation}{EndPunctuation}{Currency}\u00B0][\u0392\u0393\u039E\u039F]",
    ];

    private static readonly Regex s_badness = new(string.Join("|", s_rules), RegexOptions.CultureInvariant);

    /// <summary>ftfy.badness.is_bad: true when any rule matches somewhere in the text.</summary>
    public static bool IsBad(string text) => s_badness.IsMatch(text);
}
