using Diffusion.Torch;
using Diffusion.Torch.Nn;

namespace Diffusion.Models.UNet;

/// <summary>diffusers <c>CrossAttnDownBlock2D</c>: (resnet, Transformer2DModel) pairs, then an optional
/// <see cref="Downsample2D"/> under "downsamplers.0".</summary>
public sealed class CrossAttnDownBlock2D : UNetDownBlock
{
    private readonly ModuleList<ResnetBlock2D> _resnets;
    private readonly ModuleList<Transformer2DModel> _attentions;
    private readonly ModuleList<Downsample2D>? _downsamplers;

    /// <summary>Creates <paramref name="layers"/> resnet/transformer pairs inChannels → outChannels; the
    /// transformers use <paramref name="heads"/> heads of outChannels/heads channels.</summary>
    public CrossAttnDownBlock2D(int layers, int transformerLayers, int inChannels, int outChannels, int tembChannels, int groups,
        double eps, bool addDownsample, int downsamplePadding, int heads, int crossAttentionDim, bool useLinearProjection,
        ScalarType dtype, Device? device)
    {
        _resnets = RegisterModule("resnets", new ModuleList<ResnetBlock2D>(Enumerable.Range(0, layers).Select(i =>
            new ResnetBlock2D(i == 0 ? inChannels : outChannels, outChannels, tembChannels, groups, eps, 1.0, dtype, device))));
        _attentions = RegisterModule("attentions", new ModuleList<Transformer2DModel>(Enumerable.Range(0, layers).Select(_ =>
            new Transformer2DModel(heads, outChannels / heads, outChannels, transformerLayers, crossAttentionDim, groups,
                useLinearProjection, dtype, device))));
        if (addDownsample)
            _downsamplers = RegisterModule("downsamplers", new ModuleList<Downsample2D>([new Downsample2D(outChannels, outChannels, downsamplePadding, dtype, device)]));
    }

    /// <inheritdoc />
    public override (Tensor Output, IReadOnlyList<Tensor> Skips) Forward(Tensor hiddenStates, Tensor temb, Tensor context)
    {
        var skips = new List<Tensor>();
        var h = hiddenStates;
        for (var i = 0; i < _resnets.Count; i++)
        {
            using (var scope = TensorScope.Enter())
            {
                h = _attentions[i].Forward(_resnets[i].Forward(h, temb), context).MoveToOuterScope();
            }
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
