using System.Collections.Concurrent;

namespace Diffusion.Tokenizers.Internal;

/// <summary>
/// CLIP's byte-pair encoding of one pre-token (transformers CLIPTokenizer.bpe): the last symbol
/// carries "&lt;/w&gt;"; the adjacent pair with the lowest merge rank is merged everywhere, until no
/// ranked pair remains. Results are cached in a bounded, thread-safe cache.
/// </summary>
internal sealed class BytePairEncoder
{
    /// <summary>The word-end marker CLIP appends to the last symbol of every pre-token.</summary>
    public const string EndOfWord = "</w>";

    private readonly Dictionary<(string, string), int> _ranks;
    private readonly ConcurrentDictionary<string, string[]> _cache = new(StringComparer.Ordinal);
    private readonly int _cacheCapacity;

    // CLIPTokenizer seeds its cache so that these two pre-tokens are never split; the regex can
    // produce them when a prompt spells one in a case the added-token split did not catch.
    private static readonly string[] s_unsplittable = ["<|startoftext|>", "<|endoftext|>"];

    public BytePairEncoder(Dictionary<(string, string), int> ranks, int cacheCapacity = 50_000)
    {
        _ranks = ranks;
        _cacheCapacity = cacheCapacity;
    }

    /// <summary>Number of merge rules.</summary>
    public int MergeCount => _ranks.Count;

    /// <summary>The BPE symbols of one pre-token already spelled in the byte-level alphabet.</summary>
    public string[] Encode(string token)
    {
        if (Array.IndexOf(s_unsplittable, token) >= 0)
            return [token];
        if (_cache.TryGetValue(token, out var cached))
            return cached;

        var result = Merge(token);
        if (_cache.Count >= _cacheCapacity)
            _cache.Clear(); // bounded: a prompt server sees an open-ended stream of words
        _cache[token] = result;
        return result;
    }

    private string[] Merge(string token)
    {
        if (token.Length == 1)
            return [token + EndOfWord];

        var word = new List<string>(token.Length);
        for (var i = 0; i < token.Length - 1; i++)
            word.Add(token[i].ToString());
        word.Add(token[^1] + EndOfWord);

        while (word.Count > 1)
        {
            // min over the distinct adjacent pairs by rank (ranks are unique, so no ties)
            var best = -1;
            (string, string) bigram = default;
            for (var i = 0; i < word.Count - 1; i++)
            {
                if (_ranks.TryGetValue((word[i], word[i + 1]), out var rank) && (best < 0 || rank < best))
                {
                    best = rank;
                    bigram = (word[i], word[i + 1]);
                }
            }
            if (best < 0)
                break;

            var merged = new List<string>(word.Count);
            for (var i = 0; i < word.Count;)
            {
                if (i < word.Count - 1 && word[i] == bigram.Item1 && word[i + 1] == bigram.Item2)
                {
                    merged.Add(bigram.Item1 + bigram.Item2);
                    i += 2;
                }
                else
                {
                    merged.Add(word[i]);
                    i++;
                }
            }
            word = merged;
        }
        return word.ToArray();
    }
}
