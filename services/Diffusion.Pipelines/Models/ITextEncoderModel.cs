namespace Diffusion.Pipelines.Models;

/// <summary>What a text encoder is: checked by the gateway against the UNet before use.</summary>
public sealed record TextEncoderInfo(string Name, int HiddenSize, int MaxTokens, int VocabSize, int NumLayers);

/// <summary>The encoding of a batch of prompts.</summary>
/// <param name="HiddenStates">[B, L, D] row-major.</param>
/// <param name="Pooled">[B, D] row-major.</param>
/// <param name="TokenCounts">BPE tokens per prompt without BOS/EOS, before truncation.</param>
/// <param name="Truncated">Whether each prompt was cut to fit.</param>
public sealed record TextEncoding(float[] HiddenStates, long[] HiddenShape, float[] Pooled, long[] PooledShape,
    int[] TokenCounts, bool[] Truncated);

/// <summary>Tokenizer + text transformer: prompts to the conditioning the UNet cross-attends to.</summary>
public interface ITextEncoderModel
{
    TextEncoderInfo Info { get; }

    /// <param name="clipSkip">0 = last layer; k = final_layer_norm(hidden_states[-(k+1)]) as diffusers' clip_skip.</param>
    /// <param name="chunkLongPrompts">Encode prompts longer than the token limit in chunks and concatenate.</param>
    TextEncoding Encode(IReadOnlyList<string> prompts, int clipSkip, bool chunkLongPrompts, CancellationToken cancellationToken = default);
}
