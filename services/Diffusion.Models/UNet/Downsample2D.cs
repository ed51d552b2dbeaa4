using Diffusion.Torch;
using Diffusion.Torch.Nn;

namespace Diffusion.Models.UNet;

/// <summary>diffusers <c>Downsample2D(use_conv=True)</c>: a stride-2 3x3 convolution under "conv".
/// With <c>padding=0</c> (the VAE encoder) the input is first padded by one on the right and bottom,
/// as diffusers does, so odd alignment matches.</summary>
public sealed class Downsample2D : Module
{
    private readonly Conv2d _conv;
    private readonly int _padding;

    /// <summary>Creates the down-sampler (channels → outChannels, halving H and W).</summary>
    public Downsample2D(int channels, int outChannels, int padding, ScalarType dtype, Device? device)
    {
        _padding = padding;
        _conv = RegisterModule("conv", new Conv2d(channels, outChannels, 3, 2, padding, dtype: dtype, device: device));
    }

    /// <summary>[B, C, H, W] -> [B, Cout, H/2, W/2].</summary>
    public Tensor Forward(Tensor x)
    {
        ArgumentNullException.ThrowIfNull(x);
        if (_padding != 0) return _conv.Forward(x);
        using var scope = TensorScope.Enter();
        var padded = x.Pad([0, 1, 0, 1]); // F.pad(x, (0, 1, 0, 1)): right and bottom
        return _conv.Forward(padded).MoveToOuterScope();
    }
}
