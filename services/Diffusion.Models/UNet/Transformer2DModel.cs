using Diffusion.Torch;
using Diffusion.Torch.Nn;

namespace Diffusion.Models.UNet;

/// <summary>diffusers <c>Transformer2DModel</c> for continuous inputs: GroupNorm (eps 1e-6), proj_in,
/// flatten to tokens, the <see cref="BasicTransformerBlock"/> stack, back to an image, proj_out, plus the
/// input. proj_in/proj_out are 1x1 convolutions (applied on the image) or, with
/// <c>use_linear_projection</c> (SD2.x), Linear layers applied on the flattened tokens.</summary>
public sealed class Transformer2DModel : Module
{
    private readonly GroupNorm _norm;
    private readonly Module _projIn;
    private readonly ModuleList<BasicTransformerBlock> _blocks;
    private readonly Module _projOut;
    private readonly bool _linear;

    /// <summary>Creates the transformer over <paramref name="inChannels"/> channels with
    /// <paramref name="heads"/> heads of <paramref name="headDim"/> channels.</summary>
    public Transformer2DModel(int heads, int headDim, int inChannels, int layers, int crossAttentionDim, int normGroups,
        bool useLinearProjection, ScalarType dtype, Device? device)
    {
        var inner = heads * headDim;
        _linear = useLinearProjection;
        _norm = RegisterModule("norm", new GroupNorm(normGroups, inChannels, 1e-6, true, dtype, device));
        _projIn = RegisterModule<Module>("proj_in", useLinearProjection
            ? new Linear(inChannels, inner, true, dtype, device)
            : new Conv2d(inChannels, inner, 1, dtype: dtype, device: device));
        _blocks = RegisterModule("transformer_blocks", new ModuleList<BasicTransformerBlock>(
            Enumerable.Range(0, layers).Select(_ => new BasicTransformerBlock(heads, headDim, crossAttentionDim, dtype, device))));
        _projOut = RegisterModule<Module>("proj_out", useLinearProjection
            ? new Linear(inner, inChannels, true, dtype, device)
            : new Conv2d(inner, inChannels, 1, dtype: dtype, device: device));
    }

    /// <summary>[B, C, H, W] with context [B, L, Dctx] -> [B, C, H, W].</summary>
    public Tensor Forward(Tensor x, Tensor context)
    {
        ArgumentNullException.ThrowIfNull(x);
        using var scope = TensorScope.Enter();
        var s = x.Shape;
        long b = s[0], hgt = s[2], wid = s[3];
        var h = _norm.Forward(x);
        Tensor tokens;
        if (_linear)
        {
            tokens = h.Permute(0, 2, 3, 1).Reshape(b, hgt * wid, s[1]);               // [B, HW, C]
            tokens = ((Linear)_projIn).Forward(tokens);                                // [B, HW, inner]
        }
        else
        {
            h = ((Conv2d)_projIn).Forward(h);                                         // [B, inner, H, W]
            tokens = h.Permute(0, 2, 3, 1).Reshape(b, hgt * wid, h.Size(1));          // [B, HW, inner]
        }
        foreach (var block in _blocks) tokens = block.Forward(tokens, context);
        var inner = tokens.Size(2);
        Tensor output;
        if (_linear)
        {
            tokens = ((Linear)_projOut).Forward(tokens);                               // [B, HW, C]
            output = tokens.Reshape(b, hgt, wid, s[1]).Permute(0, 3, 1, 2).Contiguous();
        }
        else
        {
            var img = tokens.Reshape(b, hgt, wid, inner).Permute(0, 3, 1, 2).Contiguous(); // [B, inner, H, W]
            output = ((Conv2d)_projOut).Forward(img);
        }
        return output.Add(x).MoveToOuterScope();
    }
}
