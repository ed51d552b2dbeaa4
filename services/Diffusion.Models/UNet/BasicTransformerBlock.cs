using Diffusion.Torch;
using Diffusion.Torch.Nn;

namespace Diffusion.Models.UNet;

/// <summary>diffusers <c>BasicTransformerBlock</c> (norm_type "layer_norm", no ada-norm): pre-LayerNorm
/// self-attention (attn1), cross-attention on the text context (attn2) and a GEGLU feed-forward, each
/// with a residual.</summary>
public sealed class BasicTransformerBlock : Module
{
    private readonly LayerNorm _norm1;
    private readonly Attention _attn1;
    private readonly LayerNorm _norm2;
    private readonly Attention _attn2;
    private readonly LayerNorm _norm3;
    private readonly FeedForward _ff;

    /// <summary>Creates a block of width heads × headDim attending to a context of width crossAttentionDim.</summary>
    public BasicTransformerBlock(int heads, int headDim, int crossAttentionDim, ScalarType dtype, Device? device)
    {
        var dim = heads * headDim;
        _norm1 = RegisterModule("norm1", new LayerNorm(dim, 1e-5, true, dtype, device));
        _attn1 = RegisterModule("attn1", new Attention(dim, null, heads, headDim, false, null, 1e-5, false, 1.0, dtype, device));
        _norm2 = RegisterModule("norm2", new LayerNorm(dim, 1e-5, true, dtype, device));
        _attn2 = RegisterModule("attn2", new Attention(dim, crossAttentionDim, heads, headDim, false, null, 1e-5, false, 1.0, dtype, device));
        _norm3 = RegisterModule("norm3", new LayerNorm(dim, 1e-5, true, dtype, device));
        _ff = RegisterModule("ff", new FeedForward(dim, dim * 4, dtype, device));
    }

    /// <summary>Tokens [B, N, dim] with context [B, L, Dctx] -> [B, N, dim].</summary>
    public Tensor Forward(Tensor x, Tensor context)
    {
        ArgumentNullException.ThrowIfNull(x);
        using var scope = TensorScope.Enter();
        var h = _attn1.Forward(_norm1.Forward(x)).Add(x);
        h = _attn2.Forward(_norm2.Forward(h), context).Add(h);
        h = _ff.Forward(_norm3.Forward(h)).Add(h);
        return h.MoveToOuterScope();
    }
}
