using Diffusion.Torch;
using Diffusion.Torch.Nn;

namespace Diffusion.Models.UNet;

/// <summary>Common shape of diffusers' UNet down blocks (<see cref="DownBlock2D"/>, <see cref="CrossAttnDownBlock2D"/>).</summary>
public abstract class UNetDownBlock : Module
{
    /// <summary>[B, Cin, H, W] -> the block output ([B, Cout, H/2, W/2] with a down-sampler) and the skip
    /// tensors in order (one per resnet, plus the down-sampler output). All returned tensors belong to
    /// the caller's scope.</summary>
    /// <param name="hiddenStates">Input features.</param>
    /// <param name="temb">Time embedding [B, T].</param>
    /// <param name="context">Text context [B, L, D] (ignored by blocks without attention).</param>
    public abstract (Tensor Output, IReadOnlyList<Tensor> Skips) Forward(Tensor hiddenStates, Tensor temb, Tensor context);
}
