using Diffusion.Models.UNet;
using Diffusion.Torch;
using Diffusion.Torch.Nn;

namespace Diffusion.Models.Vae;

/// <summary>diffusers <c>DownEncoderBlock2D</c>: resnets (no time embedding, eps 1e-6), then an optional
/// <see cref="Downsample2D"/> with padding 0 (pad right/bottom, stride-2 conv).</summary>
public sealed class DownEncoderBlock2D : Module
{
    private readonly ModuleList<ResnetBlock2D> _resnets;
    private readonly ModuleList<Downsample2D>? _downsamplers;

    /// <summary>Creates <paramref name="layers"/> resnets inChannels → outChannels.</summary>
    public DownEncoderBlock2D(int layers, int inChannels, int outChannels, int groups, bool addDownsample, ScalarType dtype, Device? device)
    {
        _resnets = RegisterModule("resnets", new ModuleList<ResnetBlock2D>(Enumerable.Range(0, layers).Select(i =>
            new ResnetBlock2D(i == 0 ? inChannels : outChannels, outChannels, null, groups, 1e-6, 1.0, dtype, device))));
        if (addDownsample)
            _downsamplers = RegisterModule("downsamplers", new ModuleList<Downsample2D>([new Downsample2D(outChannels, outChannels, 0, dtype, device)]));
    }

    /// <summary>[B, Cin, H, W] -> [B, Cout, H/2, W/2] (or H, W without a down-sampler).</summary>
    public Tensor Forward(Tensor x)
    {
        using var scope = TensorScope.Enter();
        var h = x;
        foreach (var resnet in _resnets) h = resnet.Forward(h, null);
        if (_downsamplers is not null) h = _downsamplers[0].Forward(h);
        return h.MoveToOuterScope();
    }
}
