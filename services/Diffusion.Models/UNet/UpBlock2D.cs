using Diffusion.Torch;
using Diffusion.Torch.Nn;

namespace Diffusion.Models.UNet;

/// <summary>diffusers <c>UpBlock2D</c>: resnets over [hidden | skip] concatenations, then an optional
/// <see cref="Upsample2D"/> under "upsamplers.0".</summary>
public sealed class UpBlock2D : UNetUpBlock
{
    private readonly ModuleList<ResnetBlock2D> _resnets;
    private readonly ModuleList<Upsample2D>? _upsamplers;

    /// <summary>Creates <paramref name="layers"/> resnets. Resnet i takes (i == 0 ? prevOutputChannels :
    /// outChannels) + (i == layers-1 ? inChannels : outChannels) channels (hidden + skip).</summary>
    public UpBlock2D(int layers, int inChannels, int prevOutputChannels, int outChannels, int tembChannels, int groups, double eps,
        bool addUpsample, ScalarType dtype, Device? device)
    {
        _resnets = RegisterModule("resnets", new ModuleList<ResnetBlock2D>(Enumerable.Range(0, layers).Select(i =>
            new ResnetBlock2D((i == 0 ? prevOutputChannels : outChannels) + (i == layers - 1 ? inChannels : outChannels),
                outChannels, tembChannels, groups, eps, 1.0, dtype, device))));
        if (addUpsample)
            _upsamplers = RegisterModule("upsamplers", new ModuleList<Upsample2D>([new Upsample2D(outChannels, outChannels, dtype, device)]));
    }

    /// <inheritdoc />
    public override int ResnetCount => _resnets.Count;

    /// <inheritdoc />
    public override Tensor Forward(Tensor hiddenStates, IReadOnlyList<Tensor> skips, Tensor temb, Tensor context, (long H, long W)? upsampleSize)
    {
        ArgumentNullException.ThrowIfNull(skips);
        using var scope = TensorScope.Enter();
        var h = hiddenStates;
        for (var i = 0; i < _resnets.Count; i++)
        {
            var skip = skips[skips.Count - 1 - i];
            h = _resnets[i].Forward(Tensor.Cat([h, skip], 1), temb); // [B, Ch + Cskip, H, W] -> [B, Cout, H, W]
        }
        if (_upsamplers is not null) h = _upsamplers[0].Forward(h, upsampleSize);
        return h.MoveToOuterScope();
    }
}
