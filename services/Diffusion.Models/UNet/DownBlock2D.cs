using Diffusion.Torch;
using Diffusion.Torch.Nn;

namespace Diffusion.Models.UNet;

/// <summary>diffusers <c>DownBlock2D</c>: resnets only, then an optional <see cref="Downsample2D"/> under "downsamplers.0".</summary>
public sealed class DownBlock2D : UNetDownBlock
{
    private readonly ModuleList<ResnetBlock2D> _resnets;
    private readonly ModuleList<Downsample2D>? _downsamplers;

    /// <summary>Creates <paramref name="layers"/> resnets inChannels → outChannels.</summary>
    public DownBlock2D(int layers, int inChannels, int outChannels, int tembChannels, int groups, double eps, bool addDownsample,
        int downsamplePadding, ScalarType dtype, Device? device)
    {
        _resnets = RegisterModule("resnets", new ModuleList<ResnetBlock2D>(Enumerable.Range(0, layers).Select(i =>
            new ResnetBlock2D(i == 0 ? inChannels : outChannels, outChannels, tembChannels, groups, eps, 1.0, dtype, device))));
        if (addDownsample)
            _downsamplers = RegisterModule("downsamplers", new ModuleList<Downsample2D>([new Downsample2D(outChannels, outChannels, downsamplePadding, dtype, device)]));
    }

    /// <inheritdoc />
    public override (Tensor Output, IReadOnlyList<Tensor> Skips) Forward(Tensor hiddenStates, Tensor temb, Tensor context)
    {
        var skips = new List<Tensor>();
        var h = hiddenStates;
        foreach (var resnet in _resnets)
        {
            h = resnet.Forward(h, temb);
            skips.Add(h);
        }
        if (_downsamplers is not null)
        {
            h = _downsamplers[0].Forward(h);
            skips.Add(h);
        }
        return (h, skips);
    }
}
