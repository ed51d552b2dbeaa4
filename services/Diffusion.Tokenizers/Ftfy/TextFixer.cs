using Diffusion.Tokenizers.Unicode;

namespace Diffusion.Tokenizers.Ftfy;

/// <summary>
/// ftfy 6.1.1 <c>fix_text</c> with its default TextFixerConfig, which is what transformers'
/// CLIPTokenizer applies to every prompt when ftfy is installed.
/// </summary>
internal static class TextFixer
{
    // TextFixerConfig.max_decode_length: segments longer than this many code points are cut.
    private const int MaxDecodeLength = 1_000_000;

    /// <summary>ftfy.fix_text(text): fixes each line (segment ending in "\n") on its own.</summary>
    public static string FixText(string text)
    {
        // unescape_html="auto": decode entities unless the text looks like real HTML. Once a segment
        // holds a literal '<', ftfy turns unescaping off for it and every later segment.
        var unescapeHtml = true;
        var output = new System.Text.StringBuilder(text.Length);
        var pos = 0;
        while (pos < text.Length)
        {
            var lineBreak = text.IndexOf('\n', pos);
            var end = lineBreak < 0 ? text.Length : lineBreak + 1;
            end = LimitCodePoints(text, pos, end, MaxDecodeLength);
            var segment = text[pos..end];
            if (unescapeHtml && segment.Contains('<', StringComparison.Ordinal))
                unescapeHtml = false;
            output.Append(FixSegment(segment, unescapeHtml));
            pos = end;
        }
        return output.ToString();
    }

    /// <summary>ftfy.fix_and_explain on one segment: every fixer in ftfy's order, then NFC, repeated
    /// until a whole pass changes nothing (so "&amp;amp;" ends as "&amp;").</summary>
    public static string FixSegment(string text, bool unescapeHtml)
    {
        while (true)
        {
            var original = text;
            if (unescapeHtml)
                text = HtmlUnescaper.Unescape(text);
            text = EncodingFixer.FixEncoding(text);
            text = EncodingFixer.FixC1Controls(text);
            text = CharacterFixes.FixLatinLigatures(text);
            text = CharacterFixes.FixCharacterWidth(text);
            text = CharacterFixes.UncurlQuotes(text);
            text = CharacterFixes.FixLineBreaks(text);
            text = CharacterFixes.FixSurrogates(text);
            text = CharacterFixes.RemoveTerminalEscapes(text);
            text = CharacterFixes.RemoveControlChars(text);
            text = CanonicalNormalizer.ToNfc(text);
            if (text == original)
                return text;
        }
    }

    // Moves 'end' back so that [start, end) holds at most 'limit' code points (Python str indices).
    private static int LimitCodePoints(string text, int start, int end, int limit)
    {
        if (end - start <= limit)
            return end;
        var count = 0;
        var i = start;
        while (i < end && count < limit)
        {
            i += char.IsHighSurrogate(text[i]) && i + 1 < end && char.IsLowSurrogate(text[i + 1]) ? 2 : 1;
            count++;
        }
        return i;
    }
}
