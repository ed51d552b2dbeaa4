using Diffusion.Models.UNet;
using Diffusion.Torch;
using Diffusion.Torch.Nn;

namespace Diffusion.Models.Vae;

/// <summary>diffusers <c>UNetMidBlock2D</c> as the VAE uses it (no time embedding, one layer): resnet,
/// single-head self-attention over the image (<c>group_norm</c>, residual, q/k/v bias), resnet.</summary>
public sealed class UNetMidBlock2D : Module
{
    private readonly ModuleList<ResnetBlock2D> _resnets;
    private readonly ModuleList<Attention> _attentions;

    /// <summary>Creates the mid block over <paramref name="channels"/> channels (GroupNorm eps 1e-6).</summary>
    public UNetMidBlock2D(int channels, int groups, ScalarType dtype, Device? device)
    {
        const double eps = 1e-6;
        _resnets = RegisterModule("resnets", new ModuleList<ResnetBlock2D>(Enumerable.Range(0, 2).Select(_ =>
            new ResnetBlock2D(channels, channels, null, groups, eps, 1.0, dtype, device))));
        // attention_head_dim = channels, so heads = channels / channels = 1.
        _attentions = RegisterModule("attentions", new ModuleList<Attention>([
            new Attention(channels, null, 1, channels, true, groups, eps, true, 1.0, dtype, device)]));
    }

    /// <summary>[B, C, H, W] -> [B, C, H, W].</summary>
    public Tensor Forward(Tensor x)
    {
        using var scope = TensorScope.Enter();
        var h = _resnets[0].Forward(x, null);
        h = _attentions[0].Forward(h);
        h = _resnets[1].Forward(h, null);
        return h.MoveToOuterScope();
    }
}
