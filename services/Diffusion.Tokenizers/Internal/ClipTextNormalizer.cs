using System.Text;
using Diffusion.Tokenizers.Ftfy;
using Diffusion.Tokenizers.Unicode;

namespace Diffusion.Tokenizers.Internal;

/// <summary>
/// The text normalisation of transformers' CLIPTokenizer._tokenize with ftfy installed:
/// <c>whitespace_clean(ftfy.fix_text(text)).lower()</c>.
/// </summary>
internal static class ClipTextNormalizer
{
    /// <summary>ftfy 6.1.1 fix_text with default settings.</summary>
    public static string FixText(string text) => TextFixer.FixText(text);

    /// <summary>CLIP whitespace_clean: <c>regex.sub(r"\s+", " ", text).strip()</c>, where \s is
    /// Unicode White_Space and strip() also trims U+001C..U+001F.</summary>
    public static string WhitespaceClean(string text)
    {
        var sb = new StringBuilder(text.Length);
        var inSpace = false;
        foreach (var c in text)
        {
            if (PythonText.IsRegexWhitespace(c))
            {
                if (!inSpace) sb.Append(' ');
                inSpace = true;
            }
            else
            {
                sb.Append(c);
                inSpace = false;
            }
        }
        return PythonText.Strip(sb.ToString());
    }

    /// <summary>The full normalisation: the exact string CLIP's pre-tokenizer regex sees.</summary>
    public static string Normalize(string text) => PythonText.Lower(WhitespaceClean(FixText(text)));
}
