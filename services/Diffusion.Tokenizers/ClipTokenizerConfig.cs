namespace Diffusion.Tokenizers;

/// <summary>
/// The special tokens and limits of a CLIP tokenizer, as transformers resolves them from
/// <c>tokenizer_config.json</c>, <c>special_tokens_map.json</c> and <c>added_tokens.json</c>.
/// The defaults are CLIPTokenizer's constructor defaults (SD 1.x); SD 2.x sets
/// <see cref="PadToken"/> to "!".
/// </summary>
public sealed record ClipTokenizerConfig
{
    /// <summary>Beginning-of-sequence token (<c>bos_token</c>).</summary>
    public AddedToken BosToken { get; init; } = new("<|startoftext|>");

    /// <summary>End-of-sequence token (<c>eos_token</c>).</summary>
    public AddedToken EosToken { get; init; } = new("<|endoftext|>");

    /// <summary>Unknown token (<c>unk_token</c>): the id of any BPE symbol missing from the vocabulary.</summary>
    public AddedToken UnkToken { get; init; } = new("<|endoftext|>");

    /// <summary>Padding token (<c>pad_token</c>). Like every special token it is also matched
    /// verbatim inside prompts, so with SD 2.x's "!" every '!' becomes the bare pad id.</summary>
    public AddedToken PadToken { get; init; } = new("<|endoftext|>");

    /// <summary><c>additional_special_tokens</c>.</summary>
    public IReadOnlyList<AddedToken> AdditionalSpecialTokens { get; init; } = [];

    /// <summary>Tokens with fixed ids (<c>added_tokens_decoder</c> or <c>added_tokens.json</c>), id to token.</summary>
    public IReadOnlyDictionary<int, AddedToken> AddedTokens { get; init; } = new Dictionary<int, AddedToken>();

    /// <summary><c>model_max_length</c>: ids per encoded prompt including BOS and EOS (77 for CLIP).</summary>
    public int ModelMaxLength { get; init; } = DefaultModelMaxLength;

    /// <summary>CLIP's text context length, used when a config does not state model_max_length.</summary>
    public const int DefaultModelMaxLength = 77;
}
