using Diffusion.Tokenizers.Unicode;

namespace Diffusion.Tokenizers.Internal;

/// <summary>
/// CLIP's pre-tokenizer, <c>regex.findall(r"&lt;\|startoftext\|&gt;|&lt;\|endoftext\|&gt;|'s|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}]+", text, re.IGNORECASE)</c>,
/// written as a scanner over code points.
/// </summary>
/// <remarks>
/// Why not System.Text.RegularExpressions: .NET matches UTF-16 units, so an astral letter
/// (CJK Ext. B, math alphanumerics) would not match <c>\p{L}</c> and an emoji would be split
/// between its surrogate halves. Alternatives are tried in the pattern's order at each position,
/// as the backtracking engine does; positions where none matches (whitespace) are skipped.
/// </remarks>
internal static class ClipPreTokenizer
{
    private static readonly string[] s_literals = ["<|startoftext|>", "<|endoftext|>"];
    private static readonly string[] s_contractions = ["'s", "'t", "'re", "'ve", "'m", "'ll", "'d"];

    // U+0345 COMBINING GREEK YPOGEGRAMMENI case-folds to a letter (iota), so under IGNORECASE the
    // regex module keeps it out of [^\s\p{L}\p{N}] while [\p{L}] does not take it either: it is
    // dropped like whitespace. No other assigned code point behaves this way.
    private const int Ypogegrammeni = 0x0345;

    /// <summary>The pre-tokens of a normalised (fixed, cleaned, lower-cased) text, in order.</summary>
    public static List<string> Split(string text)
    {
        var pieces = new List<string>();
        var i = 0;
        while (i < text.Length)
        {
            var length = MatchAt(text, i);
            if (length > 0)
            {
                pieces.Add(text.Substring(i, length));
                i += length;
            }
            else
            {
                PythonText.CodePointAt(text, i, out var skip);
                i += skip;
            }
        }
        return pieces;
    }

    // Length in UTF-16 units of the match at 'start', 0 when no alternative matches.
    private static int MatchAt(string text, int start)
    {
        foreach (var literal in s_literals)
        {
            if (MatchesIgnoreCase(text, start, literal)) return literal.Length;
        }
        foreach (var contraction in s_contractions)
        {
            if (MatchesIgnoreCase(text, start, contraction)) return contraction.Length;
        }

        var cp = PythonText.CodePointAt(text, start, out var width);
        if (PythonText.IsLetter(cp))
            return RunLength(text, start, PythonText.IsLetter);
        if (PythonText.IsNumber(cp))
            return width;
        if (IsOther(cp))
            return RunLength(text, start, IsOther);
        return 0;
    }

    private static bool IsOther(int cp) =>
        !PythonText.IsRegexWhitespace(cp) && !PythonText.IsLetter(cp) && !PythonText.IsNumber(cp) && cp != Ypogegrammeni;

    private static int RunLength(string text, int start, Func<int, bool> predicate)
    {
        var i = start;
        while (i < text.Length)
        {
            var cp = PythonText.CodePointAt(text, i, out var width);
            if (!predicate(cp)) break;
            i += width;
        }
        return i - start;
    }

    // Literal match under the regex module's IGNORECASE (simple case folding). The literals are
    // ASCII; besides upper/lower case only U+017F LATIN SMALL LETTER LONG S folds onto one ('s').
    private static bool MatchesIgnoreCase(string text, int start, string literal)
    {
        if (start + literal.Length > text.Length) return false;
        for (var k = 0; k < literal.Length; k++)
        {
            var c = text[start + k];
            var expected = literal[k];
            if (c == expected) continue;
            if (char.IsAsciiLetter(expected) && (c == char.ToUpperInvariant(expected) || (expected == 's' && c == '\u017F')))
                continue;
            return false;
        }
        return true;
    }
}
