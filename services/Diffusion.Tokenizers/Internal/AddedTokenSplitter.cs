using Diffusion.Tokenizers.Unicode;

namespace Diffusion.Tokenizers.Internal;

/// <summary>
/// Splits a raw prompt on added/special tokens before any normalisation, as transformers 4.39
/// PreTrainedTokenizer.tokenize does with its Trie: the leftmost occurrence wins, the longest
/// token among those starting there; then lstrip/rstrip/single_word are applied per token.
/// </summary>
internal sealed class AddedTokenSplitter
{
    private readonly Dictionary<string, AddedToken> _tokens;
    private readonly string[] _byLengthDescending;

    public AddedTokenSplitter(IEnumerable<AddedToken> tokens)
    {
        _tokens = new Dictionary<string, AddedToken>(StringComparer.Ordinal);
        foreach (var t in tokens)
        {
            if (t.Content.Length > 0)
                _tokens[t.Content] = t;
        }
        _byLengthDescending = _tokens.Keys.OrderByDescending(k => k.Length).ThenBy(k => k, StringComparer.Ordinal).ToArray();
    }

    /// <summary>A piece of the prompt: text to normalise and BPE-encode, or an added token.</summary>
    public readonly record struct Piece(string Text, bool IsAddedToken);

    /// <summary>Pieces in order; empty pieces are dropped.</summary>
    public List<Piece> Split(string text)
    {
        var parts = new List<string>();
        if (_byLengthDescending.Length == 0)
        {
            parts.Add(text);
        }
        else
        {
            var start = 0;
            var i = 0;
            while (i < text.Length)
            {
                var match = LongestAt(text, i);
                if (match is null)
                {
                    i++;
                    continue;
                }
                if (i > start) parts.Add(text[start..i]);
                parts.Add(match);
                i += match.Length;
                start = i;
            }
            if (start < text.Length) parts.Add(text[start..]);
        }

        // transformers tokenize(): whitespace stripping and single_word handling around each token,
        // reading the list as it is being modified.
        for (var k = 0; k < parts.Count; k++)
        {
            if (!_tokens.TryGetValue(parts[k], out var token)) continue;
            var left = k > 0 ? parts[k - 1] : null;
            var right = k < parts.Count - 1 ? parts[k + 1] : null;
            if (token.RStrip && !string.IsNullOrEmpty(right))
                parts[k + 1] = PythonText.LStrip(right);
            if (token.LStrip && !string.IsNullOrEmpty(left))
                parts[k - 1] = PythonText.RStrip(left);
            if (token.SingleWord && !string.IsNullOrEmpty(left) && left[^1] != ' ')
            {
                parts[k - 1] += parts[k];
                parts[k] = "";
            }
            else if (token.SingleWord && !string.IsNullOrEmpty(right) && right[0] != ' ')
            {
                parts[k] += right;
                parts[k + 1] = "";
            }
        }

        var pieces = new List<Piece>(parts.Count);
        foreach (var part in parts)
        {
            if (part.Length > 0)
                pieces.Add(new Piece(part, _tokens.ContainsKey(part)));
        }
        return pieces;
    }

    private string? LongestAt(string text, int index)
    {
        foreach (var candidate in _byLengthDescending)
        {
            if (index + candidate.Length <= text.Length && string.CompareOrdinal(text, index, candidate, 0, candidate.Length) == 0)
                return candidate;
        }
        return null;
    }
}
