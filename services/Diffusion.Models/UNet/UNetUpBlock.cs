using Diffusion.Torch;
using Diffusion.Torch.Nn;

namespace Diffusion.Models.UNet;

/// <summary>Common shape of diffusers' UNet up blocks (<see cref="UpBlock2D"/>, <see cref="CrossAttnUpBlock2D"/>).</summary>
public abstract class UNetUpBlock : Module
{
    /// <summary>Number of resnets = number of skip tensors the block consumes.</summary>
    public abstract int ResnetCount { get; }

    /// <summary>Runs the block. <paramref name="skips"/> are consumed from the LAST one backwards
    /// (diffusers' <c>res_hidden_states_tuple[-1]</c>), each concatenated on channels before its resnet.</summary>
    /// <param name="hiddenStates">[B, Cprev, H, W].</param>
    /// <param name="skips">ResnetCount skip tensors from the down path.</param>
    /// <param name="temb">Time embedding [B, T].</param>
    /// <param name="context">Text context [B, L, D] (ignored by blocks without attention).</param>
    /// <param name="upsampleSize">Explicit output size of the up-sampler (null: ×2).</param>
    /// <returns>[B, Cout, H', W'] in the caller's scope.</returns>
    public abstract Tensor Forward(Tensor hiddenStates, IReadOnlyList<Tensor> skips, Tensor temb, Tensor context, (long H, long W)? upsampleSize);
}
