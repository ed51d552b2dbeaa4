using Diffusion.Models.UNet;
using Diffusion.Torch;
using Diffusion.Torch.Nn;

namespace Diffusion.Models.Vae;

/// <summary>diffusers <c>UpDecoderBlock2D</c>: resnets (no time embedding, eps 1e-6), then an optional
/// <see cref="Upsample2D"/> (nearest ×2 + 3x3 conv).</summary>
public sealed class UpDecoderBlock2D : Module
{
    private readonly ModuleList<ResnetBlock2D> _resnets;
    private readonly ModuleList<Upsample2D>? _upsamplers;

    /// <summary>Creates <paramref name="layers"/> resnets inChannels → outChannels.</summary>
    public UpDecoderBlock2D(int layers, int inChannels, int outChannels, int groups, bool addUpsample, ScalarType dtype, Device? device)
    {
        _resnets = RegisterModule("resnets", new ModuleList<ResnetBlock2D>(Enumerable.Range(0, layers).Select(i =>
            new ResnetBlock2D(i == 0 ? inChannels : outChannels, outChannels, null, groups, 1e-6, 1.0, dtype, device))));
        if (addUpsample)
            _upsamplers = RegisterModule("upsamplers", new ModuleList<Upsample2D>([new Upsample2D(outChannels, outChannels, dtype, device)]));
    }

    /// <summary>[B, Cin, H, W] -> [B, Cout, 2H, 2W] (or H, W without an up-sampler).</summary>
    public Tensor Forward(Tensor x)
    {
        using var scope = TensorScope.Enter();
        var h = x;
        foreach (var resnet in _resnets) h = resnet.Forward(h, null);
        if (_upsamplers is not null) h = _upsamplers[0].Forward(h);
        return h.MoveToOuterScope();
    }
}
