namespace Diffusion.Tokenizers.Ftfy;

/// <summary>
/// The character classes of ftfy 6.1.1's mojibake heuristic (ftfy.badness.MOJIBAKE_CATEGORIES and
/// ftfy.chardata.UTF8_CLUES), as .NET regex character-class bodies (ranges written "a-b").
/// </summary>
internal static class MojibakeCategories
{
    /// <summary>Characters common in many contexts: NBSP, soft hyphen, middle dot, acute, dashes, ellipsis, ’.</summary>
    public const string Common = @"\u00A0\u00AD\u00B7\u00B4\u2013\u2014\u2015\u2026\u2019";

    /// <summary>C1 controls.</summary>
    public const string C1 = @"\u0080-\u009F";

    /// <summary>Characters almost only seen in mojibake: ¦ ¤ ¨ ¬ ¯ ¶ § ¸ ƒ ˆ ˇ ˘ ˛ ˜ † ‡ ‰ ⌐ ◊ � ª º.</summary>
    public const string Bad = @"\u00A6\u00A4\u00A8\u00AC\u00AF\u00B6\u00A7\u00B8\u0192\u02C6\u02C7\u02D8\u02DB\u02DC\u2020\u2021\u2030\u2310\u25CA\uFFFD\u00AA\u00BA";

    /// <summary>¢ £ ¥ ₧ €.</summary>
    public const string Currency = @"\u00A2\u00A3\u00A5\u20A7\u20AC";

    /// <summary>¡ « ¿ © ΄ ΅ ‘ ‚ “ „ • ‹ and the Apple-logo private-use character.</summary>
    public const string StartPunctuation = @"\u00A1\u00AB\u00BF\u00A9\u0384\u0385\u2018\u201A\u201C\u201E\u2022\u2039\uF8FF";

    /// <summary>® » ˝ ” › ™.</summary>
    public const string EndPunctuation = @"\u00AE\u00BB\u02DD\u201D\u203A\u2122";

    /// <summary>Superscripts, ±, fractions, ×, µ, ÷, ⁄ and the MacRoman math symbols, №.</summary>
    public const string Numeric = @"\u00B2\u00B3\u00B9\u00B1\u00BC\u00BD\u00BE\u00D7\u00B5\u00F7\u2044\u2202\u2206\u220F\u2211\u221A\u221E\u2229\u222B\u2248\u2260\u2261\u2264\u2265\u2116";

    /// <summary>Letters used in emoticons (Ò-Ö Ù-Ü ò-ö ø-ü Ő °).</summary>
    public const string Kaomoji = @"\u00D2-\u00D6\u00D9-\u00DC\u00F2-\u00F6\u00F8-\u00FC\u0150\u00B0";

    /// <summary>Upper-case accented Latin letters seen in mojibake (À-Ñ Ø Ü Ý Ă Ą Ć Č ... Ґ).</summary>
    public const string UpperAccented = @"\u00C0-\u00D1\u00D8\u00DC\u00DD\u0102\u0104\u0106\u010C\u010E\u0110\u0118\u011A\u011E\u0130\u0139\u013D\u0141\u0143\u0147\u0152\u0158\u015A\u015E\u0160\u0162\u0164\u016E\u0170\u0178\u0179\u017B\u017D\u0490";

    /// <summary>Lower-case accented Latin letters seen in mojibake (ß à-ñ ă ą ć č ... ґ ﬁ ﬂ).</summary>
    public const string LowerAccented = @"\u00DF\u00E0-\u00F1\u0103\u0105\u0107\u010D\u010F\u0111\u0119\u011B\u011F\u013A\u013E\u0142\u0153\u0155\u015B\u015F\u0161\u0165\u00FC\u017A\u017C\u017E\u0491\uFB01\uFB02";

    /// <summary>Þ, Greek and Cyrillic capitals.</summary>
    public const string UpperCommon = @"\u00DE\u0391-\u03A9\u0386\u0388\u0389\u038A\u038C\u038E\u038F\u03AA\u03AB\u0401-\u042F";

    /// <summary>Greek and Cyrillic small letters.</summary>
    public const string LowerCommon = @"\u03B1-\u03C9\u03AC\u03AD\u03AE\u03AF\u03B0\u0430-\u045F";

    /// <summary>Box-drawing and block characters (without the single horizontal line).</summary>
    public const string Box = @"\u2502\u250C\u2510\u2518\u251C\u2524\u252C\u253C\u2550-\u256C\u2580\u2584\u2588\u258C\u2590\u2591\u2592\u2593";

    /// <summary>Characters that decode to UTF-8 lead bytes C2..DF in a Latin-1-like codec.</summary>
    public const string Utf8FirstOf2 = @"\u00C2-\u00DF\u0102\u0106\u010C\u010E\u0110\u0118\u011A\u011E\u0130\u0139\u0143\u0147\u0150\u0158\u015E\u0162\u016E\u0170\u0392-\u03A1\u03A3-\u03AF\u0412-\u042F";

    /// <summary>Characters that decode to UTF-8 lead bytes E0..EF.</summary>
    public const string Utf8FirstOf3 = @"\u00E0-\u00EF\u0103\u0107\u010D\u010F\u0119\u011B\u013A\u0155\u03B0-\u03BF\u0430-\u043F";

    /// <summary>Characters that decode to UTF-8 lead bytes F0 or F3.</summary>
    public const string Utf8FirstOf4 = @"\u00F0\u00F3\u0111\u011F\u03C0\u03C3\u0440\u0443";

    /// <summary>Characters that decode to continuation bytes 80..BF, without the ones that often stand
    /// for themselves next to mojibake (space, dashes, quotes, ellipsis).</summary>
    public const string Utf8ContinuationStrict = @"\u0080-\u00BF\u0104\u0105\u013D\u013E\u0141\u0142\u0152\u0153\u015A\u015B\u015E\u015F\u0160\u0161\u0164\u0165\u0178\u0179\u017A\u017B\u017C\u017D\u017E\u0192\u02C6\u02C7\u02D8\u02DB\u02DC\u02DD\u0384\u0385\u0386\u0388\u0389\u038A\u038C\u038E\u038F\u0401-\u040C\u040E\u040F\u0451-\u045C\u045E\u045F\u0490\u0491\u2020\u2021\u2022\u2030\u2039\u203A\u20AC\u2116\u2122";

    /// <summary>Characters that decode to continuation bytes 80..BF, including a space standing for A0.</summary>
    public const string Utf8Continuation = Utf8ContinuationStrict + @"\u2013\u2014\u2015\u2018\u2019\u201A\u201C\u201D\u201E\u2026\u0020";
}
