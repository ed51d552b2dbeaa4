using Diffusion.Models.Clip;
using Diffusion.Models.Loading;
using Diffusion.Pipelines.Models;
using Diffusion.Tokenizers;
using Diffusion.Torch;

namespace Diffusion.Models.Adapters;

/// <summary><see cref="ITextEncoderModel"/> over <see cref="ClipTokenizer"/> + <see cref="ClipTextModel"/>,
/// the way diffusers' <c>StableDiffusionPipeline.encode_prompt</c> uses them: ids padded to 77, no
/// attention mask, <c>prompt_embeds = last_hidden_state</c>, or with clip skip k
/// <c>final_layer_norm(hidden_states[-(k+1)])</c>. Long prompts can be encoded in 75-token windows
/// (AUTOMATIC1111's scheme) whose embeddings are concatenated along the sequence.</summary>
/// <remarks>Encode may be called from several threads at once (the weights are only read).</remarks>
public sealed class TorchTextEncoderModel : ITextEncoderModel, IDisposable
{
    /// <summary>Windows per prompt when chunking long prompts (8 × 75 = 600 BPE tokens).</summary>
    public const int DefaultMaxChunks = 8;

    private readonly ClipTokenizer _tokenizer;
    private readonly ClipTextModel _model;
    private readonly Device _device;

    /// <summary>Wraps an already loaded tokenizer and model; takes ownership of <paramref name="model"/>.</summary>
    public TorchTextEncoderModel(string name, ClipTokenizer tokenizer, ClipTextModel model, Device device, int maxChunks = DefaultMaxChunks)
    {
        ArgumentNullException.ThrowIfNull(name);
        _tokenizer = tokenizer ?? throw new ArgumentNullException(nameof(tokenizer));
        _model = model ?? throw new ArgumentNullException(nameof(model));
        ArgumentOutOfRangeException.ThrowIfLessThan(maxChunks, 1);
        if (tokenizer.MaxLength > model.Config.MaxPositionEmbeddings)
            throw new ArgumentException($"tokenizer model_max_length {tokenizer.MaxLength} exceeds the text encoder's max_position_embeddings {model.Config.MaxPositionEmbeddings}", nameof(tokenizer));
        _device = device;
        MaxChunks = maxChunks;
        var c = model.Config;
        Info = new TextEncoderInfo(name, c.HiddenSize, tokenizer.MaxLength, c.VocabSize, c.NumHiddenLayers);
    }

    /// <inheritdoc/>
    public TextEncoderInfo Info { get; }

    /// <summary>Most windows a chunked prompt uses; tokens beyond are dropped (Truncated is set).</summary>
    public int MaxChunks { get; }

    /// <summary>The underlying model.</summary>
    public ClipTextModel Model => _model;

    /// <summary>The tokenizer.</summary>
    public ClipTokenizer Tokenizer => _tokenizer;

    /// <summary>Loads <c>tokenizer/</c> and <c>text_encoder/</c> of the diffusers folder
    /// <paramref name="modelDir"/> onto <paramref name="device"/> in <paramref name="dtype"/>
    /// (Float16 prefers the <c>fp16</c> weight variant; any weight file is converted on load).</summary>
    /// <exception cref="ModelLoadException">A file is missing or a config option unsupported.</exception>
    public static TorchTextEncoderModel Load(string modelDir, Device device, ScalarType dtype) =>
        Load(modelDir, device, dtype, DefaultMaxChunks);

    /// <summary>As <see cref="Load(string, Device, ScalarType)"/>, with the chunk limit for long prompts.</summary>
    public static TorchTextEncoderModel Load(string modelDir, Device device, ScalarType dtype, int maxChunks)
    {
        var folder = ModelFolder.Open(modelDir);
        ClipTokenizer tokenizer;
        try
        {
            tokenizer = ClipTokenizer.FromDirectory(folder.TokenizerPath);
        }
        catch (TokenizerLoadException e)
        {
            throw new ModelLoadException(folder.TokenizerPath, e.Message, e);
        }
        var variant = dtype == ScalarType.Float16 ? "fp16" : null;
        var model = ClipTextModel.Load(folder.TextEncoderPath, dtype, device, variant);
        try
        {
            return new TorchTextEncoderModel(Path.GetFileName(folder.Root), tokenizer, model, device, maxChunks);
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    /// <inheritdoc/>
    public TextEncoding Encode(IReadOnlyList<string> prompts, int clipSkip, bool chunkLongPrompts, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(prompts);
        if (prompts.Count == 0) throw new ArgumentException("at least one prompt is required", nameof(prompts));
        if (clipSkip < 0 || clipSkip >= Info.NumLayers)
            throw new ArgumentOutOfRangeException(nameof(clipSkip), clipSkip, $"clip skip must be in [0, {Info.NumLayers - 1}] for a {Info.NumLayers}-layer text encoder");
        cancellationToken.ThrowIfCancellationRequested();

        var (ids, windows, counts, truncated) = chunkLongPrompts ? Chunked(prompts) : Single(prompts);
        cancellationToken.ThrowIfCancellationRequested();

        int batch = prompts.Count, length = _tokenizer.MaxLength, dim = Info.HiddenSize;
        // One 77-token row per forward pass: a row's embedding is then a function of its tokens alone,
        // not of the batch it came in (batched matmuls round differently at different sizes), so the
        // service's prompt cache and the in-process pipeline give the same bits for the same prompt.
        // Rows are prompt-major (prompt b, window w at row b*windows + w), so windows concatenate along L.
        var hiddenFlat = new float[batch * windows * length * dim];
        var pooledFlat = new float[batch * dim];
        for (int row = 0; row < batch * windows; row++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            using var scope = TensorScope.Enter();
            var input = Tensor.FromArray(ids.AsSpan(row * length, length).ToArray(), [1L, length], _device);
            using var output = _model.Forward(input, outputHiddenStates: clipSkip > 0);
            // diffusers encode_prompt: clip_skip k -> final_layer_norm(hidden_states[-(k + 1)]).
            var hidden = clipSkip == 0
                ? output.LastHiddenState
                : _model.TextModel.FinalLayerNorm(output.HiddenStates[^(clipSkip + 1)]);
            ToFloats(hidden).CopyTo(hiddenFlat, row * length * dim);
            // Pooled output of a chunked prompt: its first window's (A1111 uses the first chunk's pooled output).
            if (row % windows == 0) ToFloats(output.PoolerOutput).CopyTo(pooledFlat, row / windows * dim);
        }
        return new TextEncoding(hiddenFlat, [batch, (long)windows * length, dim], pooledFlat, [batch, dim], counts, truncated);
    }

    private (long[] Ids, int Windows, int[] Counts, bool[] Truncated) Single(IReadOnlyList<string> prompts)
    {
        var encodings = _tokenizer.EncodeBatch(prompts);
        var ids = encodings.SelectMany(e => e.ToInt64()).ToArray();
        return (ids, 1, encodings.Select(e => e.TokenCount).ToArray(), encodings.Select(e => e.Truncated).ToArray());
    }

    private (long[] Ids, int Windows, int[] Counts, bool[] Truncated) Chunked(IReadOnlyList<string> prompts)
    {
        var encodings = prompts.Select(p => _tokenizer.EncodeChunked(p, MaxChunks)).ToArray();
        var windows = encodings.Max(e => e.ChunkCount);
        // A prompt with fewer windows than the longest is padded with encodings of the empty prompt
        // (A1111's empty_chunk: BOS, EOS, padding), so every row has the same length.
        var empty = _tokenizer.Encode(string.Empty).ToInt64();
        var length = _tokenizer.MaxLength;
        var ids = new long[prompts.Count * windows * length];
        for (var b = 0; b < encodings.Length; b++)
        {
            for (var w = 0; w < windows; w++)
            {
                var dest = ids.AsSpan((b * windows + w) * length, length);
                if (w < encodings[b].ChunkCount)
                {
                    var chunk = encodings[b].Chunk(w);
                    for (var i = 0; i < length; i++) dest[i] = chunk[i];
                }
                else
                {
                    empty.CopyTo(dest);
                }
            }
        }
        return (ids, windows, encodings.Select(e => e.TokenCount).ToArray(), encodings.Select(e => e.Truncated).ToArray());
    }

    private static float[] ToFloats(Tensor t)
    {
        using var cpu = t.To(Device.Cpu, ScalarType.Float32).DetachFromScope();
        using var contiguous = cpu.Contiguous().DetachFromScope();
        return contiguous.ToFloatArray();
    }

    /// <summary>Frees the model's weights.</summary>
    public void Dispose() => _model.Dispose();
}
