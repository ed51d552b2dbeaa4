using Diffusion.Torch;
using Diffusion.Torch.Nn;

namespace Diffusion.Models.UNet;

/// <summary>diffusers <c>Upsample2D(use_conv=True)</c>: nearest-neighbour ×2 (or to an explicit size,
/// which the UNet passes when the latent size is not a multiple of its total down-sampling), then a
/// 3x3 convolution under "conv".</summary>
public sealed class Upsample2D : Module
{
    private readonly Conv2d _conv;

    /// <summary>Creates the up-sampler (channels → outChannels).</summary>
    public Upsample2D(int channels, int outChannels, ScalarType dtype, Device? device)
    {
        _conv = RegisterModule("conv", new Conv2d(channels, outChannels, 3, 1, 1, dtype: dtype, device: device));
    }

    /// <summary>[B, C, H, W] -> [B, Cout, 2H, 2W], or [B, Cout, outputSize.H, outputSize.W] when given.</summary>
    public Tensor Forward(Tensor x, (long H, long W)? outputSize = null)
    {
        ArgumentNullException.ThrowIfNull(x);
        using var scope = TensorScope.Enter();
        var up = outputSize is (long h, long w) ? x.InterpolateNearest(h, w) : x.InterpolateNearest(2.0);
        return _conv.Forward(up).MoveToOuterScope();
    }
}
