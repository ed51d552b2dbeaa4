namespace Diffusion.Tokenizers;

/// <summary>
/// One prompt encoded the way diffusers' pipelines call the tokenizer
/// (<c>padding="max_length", max_length=model_max_length, truncation=True</c>).
/// </summary>
/// <param name="InputIds">Exactly <see cref="ClipTokenizer.MaxLength"/> ids: BOS, at most MaxLength-2
/// BPE ids, EOS, then PAD. The array is owned by the caller.</param>
/// <param name="TokenCount">BPE ids the prompt produced before truncation, without BOS/EOS.</param>
/// <param name="Truncated">True when <paramref name="TokenCount"/> exceeded MaxLength-2 and ids were dropped.</param>
public sealed record ClipEncoding(int[] InputIds, int TokenCount, bool Truncated)
{
    /// <summary>1 for BOS, the kept BPE ids and EOS; 0 for padding (transformers' attention_mask).</summary>
    public int[] AttentionMask
    {
        get
        {
            var mask = new int[InputIds.Length];
            var used = Math.Min(TokenCount, InputIds.Length - 2) + 2;
            for (var i = 0; i < used && i < mask.Length; i++) mask[i] = 1;
            return mask;
        }
    }

    /// <summary>The ids widened to int64, the dtype CLIPTextModel's input_ids tensor uses.</summary>
    public long[] ToInt64() => Array.ConvertAll(InputIds, id => (long)id);
}
