using Diffusion.Torch.Nn;

namespace Diffusion.Models.UNet;

/// <summary>Placeholder for <c>nn.Dropout</c> (identity at inference). It owns no parameters but keeps
/// the position in a <see cref="ModuleList{T}"/> so the following entries get diffusers' indices
/// (<c>to_out.0</c>, <c>ff.net.2</c>).</summary>
public sealed class Dropout : Module
{
}
