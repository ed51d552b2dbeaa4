using System.Text;
using Diffusion.Tokenizers.Internal;

namespace Diffusion.Tokenizers;

/// <summary>
/// The CLIP byte-level BPE tokenizer of Stable Diffusion 1.x/2.x, exact with transformers' slow
/// <c>CLIPTokenizer</c> running with ftfy 6.1.1 installed (what diffusers uses):
/// split on added/special tokens, then per piece <c>whitespace_clean(ftfy.fix_text(text)).lower()</c>,
/// CLIP's pre-tokenizer regex, UTF-8 bytes in GPT-2's byte alphabet, and BPE by merge rank.
/// </summary>
/// <remarks>Immutable after construction and safe to share between threads; the only mutable state
/// is a bounded, concurrent BPE cache.</remarks>
public sealed class ClipTokenizer
{
    private readonly Dictionary<string, int> _vocab;
    private readonly Dictionary<int, string> _vocabById;
    private readonly Dictionary<string, int> _addedIds;
    private readonly Dictionary<int, AddedToken> _addedById;
    private readonly AddedTokenSplitter _splitter;
    private readonly BytePairEncoder _bpe;

    /// <summary>Loads a diffusers/transformers <c>tokenizer/</c> folder: <c>vocab.json</c>,
    /// <c>merges.txt</c> and <c>tokenizer_config.json</c> are required; <c>special_tokens_map.json</c>
    /// and <c>added_tokens.json</c> are read when present (transformers' legacy format).</summary>
    /// <exception cref="TokenizerLoadException">A file is missing or malformed; the message names it.</exception>
    public static ClipTokenizer FromDirectory(string directory)
    {
        ArgumentNullException.ThrowIfNull(directory);
        if (!Directory.Exists(directory))
            throw new TokenizerLoadException(directory, "tokenizer directory not found.");
        var vocab = VocabularyFiles.ReadVocabulary(Path.Combine(directory, "vocab.json"));
        var merges = VocabularyFiles.ReadMerges(Path.Combine(directory, "merges.txt"));
        var config = TokenizerConfigReader.Read(directory);
        return new ClipTokenizer(vocab, merges, config);
    }

    /// <summary>Builds a tokenizer from an in-memory vocabulary (token to id, tokens spelled in the
    /// byte-level alphabet with "&lt;/w&gt;" word ends) and merges (in rank order).</summary>
    /// <param name="vocabulary">Token to id; copied.</param>
    /// <param name="merges">BPE merges, highest priority first; copied. As in transformers, a pair
    /// listed twice keeps its later rank.</param>
    /// <param name="config">Special tokens and max length; null means CLIP's defaults (SD 1.x).</param>
    public ClipTokenizer(IReadOnlyDictionary<string, int> vocabulary, IEnumerable<(string Left, string Right)> merges,
        ClipTokenizerConfig? config = null)
    {
        ArgumentNullException.ThrowIfNull(vocabulary);
        ArgumentNullException.ThrowIfNull(merges);
        Config = config ?? new ClipTokenizerConfig();
        if (Config.ModelMaxLength < 3)
            throw new ArgumentOutOfRangeException(nameof(config), Config.ModelMaxLength, "ModelMaxLength must leave room for BOS, one token and EOS.");

        _vocab = new Dictionary<string, int>(vocabulary, StringComparer.Ordinal);
        _vocabById = new Dictionary<int, string>();
        foreach (var (token, id) in _vocab)
            _vocabById[id] = token; // like transformers' decoder dict, a repeated id keeps the last token

        var ranks = new Dictionary<(string, string), int>();
        var rank = 0;
        foreach (var pair in merges)
            ranks[(pair.Left, pair.Right)] = rank++;
        _bpe = new BytePairEncoder(ranks);

        (_addedIds, _addedById) = ResolveAddedTokens(_vocab, Config);
        _splitter = new AddedTokenSplitter(_addedById.Values);

        BosId = _addedIds[Config.BosToken.Content];
        EosId = _addedIds[Config.EosToken.Content];
        UnkId = _addedIds[Config.UnkToken.Content];
        PadId = _addedIds[Config.PadToken.Content];
    }

    /// <summary>The resolved special tokens and limits.</summary>
    public ClipTokenizerConfig Config { get; }

    /// <summary><c>model_max_length</c>: the length of every <see cref="Encode"/> result (77 for CLIP).</summary>
    public int MaxLength => Config.ModelMaxLength;

    /// <summary>Entries in vocab.json (transformers' <c>vocab_size</c>; 49408 for CLIP).</summary>
    public int VocabSize => _vocab.Count;

    /// <summary>Number of BPE merge rules in use.</summary>
    public int MergeCount => _bpe.MergeCount;

    /// <summary>Id of the beginning-of-sequence token.</summary>
    public int BosId { get; }

    /// <summary>Id of the end-of-sequence token.</summary>
    public int EosId { get; }

    /// <summary>Id of the padding token (SD 1.x: the EOS id; SD 2.x: the id of "!", 0).</summary>
    public int PadId { get; }

    /// <summary>Id given to BPE symbols missing from the vocabulary.</summary>
    public int UnkId { get; }

    /// <summary>The token strings of a prompt, without BOS/EOS: BPE symbols (e.g. "photo&lt;/w&gt;")
    /// and the content of added tokens found in it (transformers' <c>tokenize</c>).</summary>
    public IReadOnlyList<string> Tokenize(string prompt)
    {
        ArgumentNullException.ThrowIfNull(prompt);
        var tokens = new List<string>();
        foreach (var piece in _splitter.Split(prompt))
        {
            if (piece.IsAddedToken)
            {
                tokens.Add(piece.Text);
                continue;
            }
            foreach (var preToken in ClipPreTokenizer.Split(ClipTextNormalizer.Normalize(piece.Text)))
                tokens.AddRange(_bpe.Encode(ByteLevelAlphabet.Encode(preToken)));
        }
        return tokens;
    }

    /// <summary>The ids of a prompt's tokens, without BOS/EOS, untruncated.</summary>
    public int[] TokenIds(string prompt)
    {
        var tokens = Tokenize(prompt);
        var ids = new int[tokens.Count];
        for (var i = 0; i < ids.Length; i++)
            ids[i] = TokenToId(tokens[i]);
        return ids;
    }

    /// <summary>The id of one token string: added tokens first, then the vocabulary, else <see cref="UnkId"/>
    /// (transformers' convert_tokens_to_ids).</summary>
    public int TokenToId(string token)
    {
        ArgumentNullException.ThrowIfNull(token);
        if (_addedIds.TryGetValue(token, out var id)) return id;
        return _vocab.TryGetValue(token, out id) ? id : UnkId;
    }

    /// <summary>Encodes a prompt as diffusers does: BOS + up to MaxLength-2 ids + EOS, right-padded
    /// with PAD to <see cref="MaxLength"/>; extra ids are dropped from the end (EOS stays last).</summary>
    public ClipEncoding Encode(string prompt)
    {
        var ids = TokenIds(prompt);
        var row = new int[MaxLength];
        var kept = WriteWindow(ids, 0, row);
        return new ClipEncoding(row, ids.Length, kept < ids.Length);
    }

    /// <summary>Encodes each prompt with <see cref="Encode"/>; safe to call concurrently.</summary>
    public ClipEncoding[] EncodeBatch(IReadOnlyList<string> prompts)
    {
        ArgumentNullException.ThrowIfNull(prompts);
        var result = new ClipEncoding[prompts.Count];
        for (var i = 0; i < result.Length; i++)
            result[i] = Encode(prompts[i]);
        return result;
    }

    /// <summary>
    /// Encodes a prompt longer than one window as consecutive windows of MaxLength-2 ids, each as
    /// BOS + ids + EOS + PAD (the AUTOMATIC1111/ComfyUI scheme; the text encoder runs per window
    /// and the embeddings are concatenated). Windows are cut at fixed 75-id boundaries, without
    /// A1111's comma look-back, so results do not depend on punctuation.
    /// </summary>
    /// <param name="prompt">The prompt.</param>
    /// <param name="maxChunks">At most this many windows; ids beyond them are dropped and
    /// <see cref="ClipChunkedEncoding.Truncated"/> is set.</param>
    public ClipChunkedEncoding EncodeChunked(string prompt, int maxChunks)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxChunks, 1);
        var ids = TokenIds(prompt);
        var window = MaxLength - 2;
        var needed = Math.Max(1, (ids.Length + window - 1) / window);
        var chunks = Math.Min(needed, maxChunks);
        var all = new int[chunks * MaxLength];
        for (var c = 0; c < chunks; c++)
            WriteWindow(ids, c * window, all.AsSpan(c * MaxLength, MaxLength));
        return new ClipChunkedEncoding(all, chunks, ids.Length, needed > maxChunks);
    }

    /// <summary>Text of a sequence of ids, for diagnostics (transformers' decode without
    /// clean_up_tokenization_spaces): BPE symbols are joined, their bytes decoded as UTF-8
    /// (invalid bytes become U+FFFD), "&lt;/w&gt;" read as a space; added tokens are separated by spaces.</summary>
    /// <exception cref="ArgumentOutOfRangeException">An id is neither in the vocabulary nor an added token.</exception>
    public string Decode(IEnumerable<int> ids, bool skipSpecialTokens = false)
    {
        ArgumentNullException.ThrowIfNull(ids);
        var parts = new List<string>();
        var bpe = new StringBuilder();
        foreach (var id in ids)
        {
            if (_addedById.TryGetValue(id, out var added))
            {
                Flush(bpe, parts);
                if (!(skipSpecialTokens && added.Special))
                    parts.Add(added.Content);
            }
            else if (_vocabById.TryGetValue(id, out var token))
            {
                bpe.Append(token);
            }
            else
            {
                throw new ArgumentOutOfRangeException(nameof(ids), id, "Id is not in the vocabulary.");
            }
        }
        Flush(bpe, parts);
        return string.Join(" ", parts);
    }

    private static void Flush(StringBuilder bpe, List<string> parts)
    {
        if (bpe.Length == 0) return;
        var bytes = new List<byte>(bpe.Length);
        foreach (var c in bpe.ToString())
        {
            if (ByteLevelAlphabet.TryToByte(c, out var b)) bytes.Add(b);
            else bytes.AddRange(Encoding.UTF8.GetBytes(c.ToString()));
        }
        bpe.Clear();
        var text = Encoding.UTF8.GetString(bytes.ToArray()).Replace(BytePairEncoder.EndOfWord, " ", StringComparison.Ordinal).Trim();
        if (text.Length > 0) parts.Add(text);
    }

    // BOS + ids[start..] (at most MaxLength-2) + EOS + PAD; returns how many ids were written.
    private int WriteWindow(int[] ids, int start, Span<int> row)
    {
        var count = Math.Clamp(ids.Length - start, 0, row.Length - 2);
        row[0] = BosId;
        ids.AsSpan(start, count).CopyTo(row[1..]);
        row[count + 1] = EosId;
        row[(count + 2)..].Fill(PadId);
        return count;
    }

    // transformers PreTrainedTokenizer.__init__/_add_tokens: tokens of added_tokens_decoder keep their
    // ids; each special token takes its vocabulary id, or, when absent, the next free id after the
    // vocabulary and the added tokens.
    private static (Dictionary<string, int>, Dictionary<int, AddedToken>) ResolveAddedTokens(
        Dictionary<string, int> vocab, ClipTokenizerConfig config)
    {
        var ids = new Dictionary<string, int>(StringComparer.Ordinal);
        var byId = new Dictionary<int, AddedToken>();
        foreach (var (id, token) in config.AddedTokens)
        {
            ids[token.Content] = id;
            byId[id] = token;
        }

        var nextId = vocab.Keys.Concat(ids.Keys).Distinct(StringComparer.Ordinal).Count();
        AddedToken[] specials = [config.BosToken, config.EosToken, config.UnkToken, config.PadToken, .. config.AdditionalSpecialTokens];
        foreach (var special in specials)
        {
            if (special.Content.Length == 0)
                throw new ArgumentException("Special tokens must not be empty.", nameof(config));
            var token = special with { Special = true };
            if (!ids.TryGetValue(token.Content, out var id))
            {
                id = vocab.TryGetValue(token.Content, out var inVocab) ? inVocab : nextId++;
                ids[token.Content] = id;
            }
            byId[id] = token;
        }
        return (ids, byId);
    }
}
