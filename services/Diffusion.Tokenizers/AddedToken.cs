namespace Diffusion.Tokenizers;

/// <summary>
/// A token matched verbatim in the raw prompt before any normalisation (transformers' AddedToken):
/// special tokens (bos, eos, unk, pad, additional) and tokens from <c>added_tokens_decoder</c>.
/// </summary>
/// <param name="Content">The exact text that is matched (case-sensitive).</param>
/// <param name="LStrip">Swallow whitespace on the token's left.</param>
/// <param name="RStrip">Swallow whitespace on the token's right.</param>
/// <param name="SingleWord">Only match when not glued to a word on either side.</param>
/// <param name="Normalized">Recorded for completeness; the slow CLIP tokenizer matches raw text either way.</param>
/// <param name="Special">Whether the token is a special token.</param>
public sealed record AddedToken(
    string Content,
    bool LStrip = false,
    bool RStrip = false,
    bool SingleWord = false,
    bool Normalized = false,
    bool Special = true);
