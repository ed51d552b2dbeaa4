using Diffusion.Torch;
using Diffusion.Torch.Nn;

namespace Diffusion.Models.UNet;

/// <summary>diffusers <c>UNetMidBlock2DCrossAttn</c> (num_layers 1): resnet, then (transformer, resnet) pairs.</summary>
public sealed class UNetMidBlock2DCrossAttn : Module
{
    private readonly ModuleList<ResnetBlock2D> _resnets;
    private readonly ModuleList<Transformer2DModel> _attentions;

    /// <summary>Creates the mid block over <paramref name="channels"/> channels.</summary>
    public UNetMidBlock2DCrossAttn(int channels, int tembChannels, int groups, double eps, double outputScaleFactor, int transformerLayers,
        int heads, int crossAttentionDim, bool useLinearProjection, ScalarType dtype, Device? device)
    {
        const int layers = 1;
        _resnets = RegisterModule("resnets", new ModuleList<ResnetBlock2D>(Enumerable.Range(0, layers + 1).Select(_ =>
            new ResnetBlock2D(channels, channels, tembChannels, groups, eps, outputScaleFactor, dtype, device))));
        _attentions = RegisterModule("attentions", new ModuleList<Transformer2DModel>(Enumerable.Range(0, layers).Select(_ =>
            new Transformer2DModel(heads, channels / heads, channels, transformerLayers, crossAttentionDim, groups,
                useLinearProjection, dtype, device))));
    }

    /// <summary>[B, C, H, W] -> [B, C, H, W].</summary>
    public Tensor Forward(Tensor hiddenStates, Tensor temb, Tensor context)
    {
        using var scope = TensorScope.Enter();
        var h = _resnets[0].Forward(hiddenStates, temb);
        for (var i = 0; i < _attentions.Count; i++)
            h = _resnets[i + 1].Forward(_attentions[i].Forward(h, context), temb);
        return h.MoveToOuterScope();
    }
}
