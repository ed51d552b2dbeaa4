using System.Globalization;
using System.Text;

namespace Diffusion.Tokenizers.Unicode;

/// <summary>
/// The few CPython str semantics the CLIP pipeline depends on, per code point (never per UTF-16
/// unit): <c>str.lower()</c>, <c>str.isspace()</c>, <c>str.strip()</c>, and the character classes of
/// the <c>regex</c> module's <c>\s</c>, <c>\p{L}</c> and <c>\p{N}</c>.
/// </summary>
internal static class PythonText
{
    private sealed class CaseTables
    {
        public readonly Dictionary<int, string> Lower = new();
        public readonly List<(int First, int Last)> CaseIgnorable = new();
        public readonly List<(int First, int Last)> Cased = new();
    }

    private static readonly Lazy<CaseTables> s_case = new(LoadCase);

    private static CaseTables LoadCase()
    {
        var t = new CaseTables();
        foreach (var row in EmbeddedTable.Rows("Lowercase.tsv"))
            t.Lower[EmbeddedTable.CodePoint(row[0])] = EmbeddedTable.Text(row[1]);
        foreach (var row in EmbeddedTable.Rows("CaseContext.tsv"))
        {
            var range = (EmbeddedTable.CodePoint(row[1]), EmbeddedTable.CodePoint(row[2]));
            (row[0] == "I" ? t.CaseIgnorable : t.Cased).Add(range);
        }
        return t;
    }

    /// <summary>CPython <c>str.isspace()</c> (bidi class WS/B/S or category Zs): the Unicode
    /// White_Space set plus U+001C..U+001F.</summary>
    public static bool IsSpace(int cp) => cp is >= 0x1C and <= 0x1F || IsRegexWhitespace(cp);

    /// <summary>The <c>regex</c> module's <c>\s</c> on str patterns: Unicode White_Space.</summary>
    public static bool IsRegexWhitespace(int cp) => cp switch
    {
        >= 0x09 and <= 0x0D => true,
        0x20 or 0x85 or 0xA0 or 0x1680 => true,
        >= 0x2000 and <= 0x200A => true,
        0x2028 or 0x2029 or 0x202F or 0x205F or 0x3000 => true,
        _ => false,
    };

    /// <summary><c>\p{L}</c>: any letter category (Lu, Ll, Lt, Lm, Lo).</summary>
    public static bool IsLetter(int cp) => CharUnicodeInfo.GetUnicodeCategory(cp) is
        UnicodeCategory.UppercaseLetter or UnicodeCategory.LowercaseLetter or UnicodeCategory.TitlecaseLetter
        or UnicodeCategory.ModifierLetter or UnicodeCategory.OtherLetter;

    /// <summary><c>\p{N}</c>: any number category (Nd, Nl, No).</summary>
    public static bool IsNumber(int cp) => CharUnicodeInfo.GetUnicodeCategory(cp) is
        UnicodeCategory.DecimalDigitNumber or UnicodeCategory.LetterNumber or UnicodeCategory.OtherNumber;

    /// <summary>Python <c>str.strip()</c> (no argument): trims <see cref="IsSpace"/> code points.</summary>
    public static string Strip(string text)
    {
        var start = 0;
        var end = text.Length;
        while (start < end && IsSpace(text[start])) start++;
        while (end > start && IsSpace(text[end - 1])) end--;
        return start == 0 && end == text.Length ? text : text[start..end];
    }

    /// <summary>Python <c>str.lstrip()</c>.</summary>
    public static string LStrip(string text)
    {
        var start = 0;
        while (start < text.Length && IsSpace(text[start])) start++;
        return start == 0 ? text : text[start..];
    }

    /// <summary>Python <c>str.rstrip()</c>.</summary>
    public static string RStrip(string text)
    {
        var end = text.Length;
        while (end > 0 && IsSpace(text[end - 1])) end--;
        return end == text.Length ? text : text[..end];
    }

    /// <summary>
    /// CPython <c>str.lower()</c>: full lower-case mappings (so U+0130 becomes "i\u0307") and the
    /// Final_Sigma rule for U+03A3. <see cref="char.ToLowerInvariant"/> differs on both.
    /// </summary>
    public static string Lower(string text)
    {
        var ascii = true;
        foreach (var c in text)
        {
            if (c >= 0x80) { ascii = false; break; }
        }
        if (ascii)
            return text.ToLowerInvariant();

        var t = s_case.Value;
        var cps = ToCodePoints(text);
        var sb = new StringBuilder(text.Length);
        for (var i = 0; i < cps.Length; i++)
        {
            var cp = cps[i];
            if (cp == 0x03A3)
                sb.Append(IsFinalSigma(t, cps, i) ? '\u03C2' : '\u03C3');
            else if (t.Lower.TryGetValue(cp, out var lower))
                sb.Append(lower);
            else
                AppendCodePoint(sb, cp);
        }
        return sb.ToString();
    }

    // CPython unicodeobject.c handle_capital_sigma:
    // \p{cased} \p{case-ignorable}* U+03A3 !( \p{case-ignorable}* \p{cased} )
    private static bool IsFinalSigma(CaseTables t, int[] cps, int i)
    {
        var j = i - 1;
        while (j >= 0 && InRanges(t.CaseIgnorable, cps[j])) j--;
        if (j < 0 || !InRanges(t.Cased, cps[j]))
            return false;
        j = i + 1;
        while (j < cps.Length && InRanges(t.CaseIgnorable, cps[j])) j++;
        return j == cps.Length || !InRanges(t.Cased, cps[j]);
    }

    private static bool InRanges(List<(int First, int Last)> ranges, int cp)
    {
        int lo = 0, hi = ranges.Count - 1;
        while (lo <= hi)
        {
            var mid = (lo + hi) >> 1;
            if (cp < ranges[mid].First) hi = mid - 1;
            else if (cp > ranges[mid].Last) lo = mid + 1;
            else return true;
        }
        return false;
    }

    /// <summary>The code points of a .NET string; a lone surrogate stays a code point of its own, as in Python.</summary>
    public static int[] ToCodePoints(string text)
    {
        var list = new List<int>(text.Length);
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
                list.Add(char.ConvertToUtf32(c, text[++i]));
            else
                list.Add(c);
        }
        return list.ToArray();
    }

    /// <summary>Appends one code point (a lone surrogate as the single UTF-16 unit it is).</summary>
    public static void AppendCodePoint(StringBuilder sb, int cp)
    {
        if (cp is >= 0xD800 and <= 0xDFFF || cp < 0x10000) sb.Append((char)cp);
        else sb.Append(char.ConvertFromUtf32(cp));
    }

    /// <summary>The code point starting at <paramref name="index"/> and its length in UTF-16 units.</summary>
    public static int CodePointAt(string text, int index, out int length)
    {
        var c = text[index];
        if (char.IsHighSurrogate(c) && index + 1 < text.Length && char.IsLowSurrogate(text[index + 1]))
        {
            length = 2;
            return char.ConvertToUtf32(c, text[index + 1]);
        }
        length = 1;
        return c;
    }
}
