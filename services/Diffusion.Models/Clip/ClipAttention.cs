using Diffusion.Torch;
using Diffusion.Torch.Nn;

namespace Diffusion.Models.Clip;

/// <summary>transformers <c>CLIPAttention</c> (q/k/v/out_proj, biased) with the causal mask CLIPTextModel
/// always applies: position i attends to positions ≤ i. Softmax scale head_dim^-0.5.</summary>
public sealed class ClipAttention : Module
{
    private readonly Linear _q;
    private readonly Linear _k;
    private readonly Linear _v;
    private readonly Linear _out;
    private readonly int _heads;

    /// <summary>Creates zero projections for <paramref name="config"/>.</summary>
    public ClipAttention(ClipTextConfig config, ScalarType dtype, Device? device)
    {
        ArgumentNullException.ThrowIfNull(config);
        var d = config.HiddenSize;
        _heads = config.NumAttentionHeads;
        _k = RegisterModule("k_proj", new Linear(d, d, true, dtype, device));
        _v = RegisterModule("v_proj", new Linear(d, d, true, dtype, device));
        _q = RegisterModule("q_proj", new Linear(d, d, true, dtype, device));
        _out = RegisterModule("out_proj", new Linear(d, d, true, dtype, device));
    }

    /// <summary>[B, L, D] -> [B, L, D].</summary>
    public Tensor Forward(Tensor x)
    {
        ArgumentNullException.ThrowIfNull(x);
        using var scope = TensorScope.Enter();
        var shape = x.Shape;
        long b = shape[0], l = shape[1], d = shape[2], hd = d / _heads;
        Tensor Heads(Tensor t) => t.View(b, l, _heads, hd).Transpose(1, 2); // [B, H, L, hd]
        var q = Heads(_q.Forward(x));
        var k = Heads(_k.Forward(x));
        var v = Heads(_v.Forward(x));
        // CLIP's _build_causal_attention_mask fills the upper triangle with finfo.min; is_causal is the
        // same mask (softmax weight exactly 0 either way).
        var o = Tensor.ScaledDotProductAttention(q, k, v, mask: null, isCausal: true); // [B, H, L, hd]
        o = o.Transpose(1, 2).Reshape(b, l, d);                                       // [B, L, D]
        return _out.Forward(o).MoveToOuterScope();
    }
}
