namespace Diffusion.Models.TinyModels;

/// <summary>Builds a small CLIP-format byte-level BPE vocabulary: ids 0..255 the GPT-2 byte-to-unicode
/// characters (in <c>bytes_to_unicode</c> order, as CLIP's vocab.json), 256..511 the same with
/// "&lt;/w&gt;", then one token per merge, then &lt;|startoftext|&gt; and &lt;|endoftext|&gt; last (so
/// EOS has the highest id, which the legacy eos_token_id == 2 pooling relies on). Merges join each
/// word of a fixed word list left to right, so common prompt words become single tokens and any
/// other text still tokenizes byte by byte.</summary>
public static class TinyTokenizerBuilder
{
    /// <summary>Words given whole-word tokens.</summary>
    public static IReadOnlyList<string> Words { get; } =
    [
        "a", "an", "the", "of", "on", "in", "with", "and", "by", "photo", "photograph", "painting", "cat", "dog",
        "fox", "horse", "astronaut", "riding", "red", "blue", "green", "castle", "forest", "city", "night",
        "portrait", "highly", "detailed", "trending", "artstation", "landscape", "mountain", "sunset", "oil",
    ];

    /// <summary>Beginning-of-sequence token.</summary>
    public const string Bos = "<|startoftext|>";

    /// <summary>End-of-sequence (and pad/unk) token.</summary>
    public const string Eos = "<|endoftext|>";

    /// <summary>The vocabulary (token to id, ids 0..Count-1) and merges in rank order.</summary>
    public static (IReadOnlyDictionary<string, int> Vocabulary, IReadOnlyList<(string Left, string Right)> Merges) Build()
    {
        var byteChars = ByteToUnicode();
        var tokens = new List<string>(byteChars);
        tokens.AddRange(byteChars.Select(c => c + "</w>"));
        var known = new HashSet<string>(tokens, StringComparer.Ordinal);
        var merges = new List<(string, string)>();
        var mergeSet = new HashSet<(string, string)>();
        foreach (var word in Words)
        {
            // Words are ASCII, so each character is its own byte symbol; the last carries </w>.
            var symbols = word.Select(c => c.ToString()).ToList();
            symbols[^1] += "</w>";
            var current = symbols[0];
            for (var i = 1; i < symbols.Count; i++)
            {
                var pair = (current, symbols[i]);
                current += symbols[i];
                if (mergeSet.Add(pair)) merges.Add(pair);
                if (known.Add(current)) tokens.Add(current);
            }
        }
        tokens.Add(Bos);
        tokens.Add(Eos);
        var vocab = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < tokens.Count; i++) vocab[tokens[i]] = i;
        return (vocab, merges);
    }

    /// <summary>GPT-2's bytes_to_unicode, as the 256 characters in vocabulary order: the printable
    /// bytes '!'..'~', '¡'..'¬', '®'..'ÿ' map to themselves, the others to U+0100 upward.</summary>
    public static IReadOnlyList<string> ByteToUnicode()
    {
        var printable = new List<int>();
        for (var c = '!'; c <= '~'; c++) printable.Add(c);
        for (var c = '¡'; c <= '¬'; c++) printable.Add(c);
        for (var c = '®'; c <= 'ÿ'; c++) printable.Add(c);
        var chars = printable.Select(c => ((char)c).ToString()).ToList();
        var n = 0;
        for (var b = 0; b < 256; b++)
        {
            if (printable.Contains(b)) continue;
            chars.Add(((char)(256 + n)).ToString());
            n++;
        }
        return chars;
    }
}
