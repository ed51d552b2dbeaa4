using Diffusion.Torch;
using Diffusion.Torch.Nn;

namespace Diffusion.Models.Clip;

/// <summary>transformers <c>CLIPTextTransformer</c>: embeddings, causal encoder, final_layer_norm and
/// EOS pooling. Registered as "text_model" inside <see cref="ClipTextModel"/>.</summary>
public sealed class ClipTextTransformer : Module
{
    private readonly ClipTextEmbeddings _embeddings;
    private readonly ClipEncoder _encoder;
    private readonly LayerNorm _finalLayerNorm;
    private readonly ClipTextConfig _config;

    /// <summary>Creates the transformer (zero weights until loaded).</summary>
    public ClipTextTransformer(ClipTextConfig config, ScalarType dtype, Device? device)
    {
        _config = config ?? throw new ArgumentNullException(nameof(config));
        _embeddings = RegisterModule("embeddings", new ClipTextEmbeddings(config, dtype, device));
        _encoder = RegisterModule("encoder", new ClipEncoder(config, dtype, device));
        _finalLayerNorm = RegisterModule("final_layer_norm", new LayerNorm(config.HiddenSize, config.LayerNormEps, true, dtype, device));
    }

    /// <summary>final_layer_norm applied to <paramref name="hidden"/> [B, L, D] (diffusers' clip_skip path).</summary>
    public Tensor FinalLayerNorm(Tensor hidden) => _finalLayerNorm.Forward(hidden);

    /// <summary>Runs the model on int64 <paramref name="inputIds"/> [B, L] (on the module's device).</summary>
    /// <param name="inputIds">Token ids; L ≤ max_position_embeddings.</param>
    /// <param name="outputHiddenStates">Also return every layer's output (memory: (layers+1)·B·L·D).</param>
    public ClipTextOutput Forward(Tensor inputIds, bool outputHiddenStates = false)
    {
        ArgumentNullException.ThrowIfNull(inputIds);
        var shape = inputIds.Shape;
        if (shape.Length != 2) throw new ArgumentException($"input_ids must be [B, L], got [{string.Join(", ", shape)}]", nameof(inputIds));
        if (shape[1] > _config.MaxPositionEmbeddings)
            throw new ArgumentException($"input_ids length {shape[1]} exceeds max_position_embeddings {_config.MaxPositionEmbeddings}", nameof(inputIds));
        var eosPositions = EosPositions(inputIds);

        using var scope = TensorScope.Enter();
        var hidden = _embeddings.Forward(inputIds);              // [B, L, D]
        var all = new List<Tensor>();
        if (outputHiddenStates) all.Add(hidden);
        foreach (var layer in _encoder.Layers)
        {
            hidden = layer.Forward(hidden);
            if (outputHiddenStates) all.Add(hidden);
        }
        var last = _finalLayerNorm.Forward(hidden);              // [B, L, D]
        var rows = new Tensor[shape[0]];
        for (var b = 0; b < rows.Length; b++)
            rows[b] = last.Select(0, b).Select(0, eosPositions[b]); // [D]
        var pooled = Tensor.Stack(rows, 0);                       // [B, D]
        foreach (var t in all) t.MoveToOuterScope();
        return new ClipTextOutput(last.MoveToOuterScope(), pooled.MoveToOuterScope(), all);
    }

    /// <summary>The pooled position of each row, as transformers 4.39 CLIPTextTransformer.forward picks it:
    /// a legacy config with eos_token_id == 2 uses argmax(input_ids) (the highest id, which is EOS
    /// 49407 in the CLIP vocabulary); otherwise the first position holding eos_token_id (position 0
    /// when the row has none: torch's argmax of an all-zero row).</summary>
    private long[] EosPositions(Tensor inputIds)
    {
        long[] ids;
        using (var cpu = inputIds.To(Device.Cpu, ScalarType.Int64).DetachFromScope())
            ids = cpu.ToArray<long>();
        long batch = inputIds.Shape[0], length = inputIds.Shape[1];
        var result = new long[batch];
        for (long b = 0; b < batch; b++)
        {
            var row = ids.AsSpan((int)(b * length), (int)length);
            long best = 0;
            if (_config.EosTokenId == 2)
            {
                for (var i = 1; i < row.Length; i++)
                    if (row[i] > row[(int)best]) best = i; // first maximum, like torch.argmax
            }
            else
            {
                var first = row.IndexOf(_config.EosTokenId);
                best = first < 0 ? 0 : first;
            }
            result[b] = best;
        }
        return result;
    }
}
