using Diffusion.Torch;
using Diffusion.Torch.Nn;

namespace Diffusion.Models.Clip;

/// <summary>transformers <c>CLIPEncoderLayer</c> (pre-norm): x + attn(ln1(x)), then + mlp(ln2(·)).</summary>
public sealed class ClipEncoderLayer : Module
{
    private readonly ClipAttention _attn;
    private readonly LayerNorm _ln1;
    private readonly ClipMlp _mlp;
    private readonly LayerNorm _ln2;

    /// <summary>Creates the layer for <paramref name="config"/>.</summary>
    public ClipEncoderLayer(ClipTextConfig config, ScalarType dtype, Device? device)
    {
        ArgumentNullException.ThrowIfNull(config);
        _attn = RegisterModule("self_attn", new ClipAttention(config, dtype, device));
        _ln1 = RegisterModule("layer_norm1", new LayerNorm(config.HiddenSize, config.LayerNormEps, true, dtype, device));
        _mlp = RegisterModule("mlp", new ClipMlp(config, dtype, device));
        _ln2 = RegisterModule("layer_norm2", new LayerNorm(config.HiddenSize, config.LayerNormEps, true, dtype, device));
    }

    /// <summary>[B, L, D] -> [B, L, D].</summary>
    public Tensor Forward(Tensor x)
    {
        ArgumentNullException.ThrowIfNull(x);
        using var scope = TensorScope.Enter();
        var h = x.Add(_attn.Forward(_ln1.Forward(x)));
        return h.Add(_mlp.Forward(_ln2.Forward(h))).MoveToOuterScope();
    }
}
