namespace Diffusion.Tokenizers;

/// <summary>
/// A long prompt split into windows of MaxLength-2 BPE ids, each wrapped as BOS + ids + EOS and
/// padded to MaxLength, concatenated (the scheme AUTOMATIC1111/ComfyUI use to exceed 77 tokens).
/// </summary>
/// <param name="InputIds">ChunkCount x MaxLength ids, row-major. Owned by the caller.</param>
/// <param name="ChunkCount">Number of windows (at least 1; an empty prompt is one window).</param>
/// <param name="TokenCount">BPE ids the prompt produced, without BOS/EOS, before truncation.</param>
/// <param name="Truncated">True when more than maxChunks windows would have been needed.</param>
public sealed record ClipChunkedEncoding(int[] InputIds, int ChunkCount, int TokenCount, bool Truncated)
{
    /// <summary>The ids of window <paramref name="chunk"/> (MaxLength of them).</summary>
    public ReadOnlySpan<int> Chunk(int chunk)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(chunk);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(chunk, ChunkCount);
        var length = InputIds.Length / ChunkCount;
        return InputIds.AsSpan(chunk * length, length);
    }
}
