using Diffusion.Torch;
using Diffusion.Torch.Nn;

namespace Diffusion.Models.UNet;

/// <summary>diffusers <c>TimestepEmbedding</c>: <c>linear_2(silu(linear_1(x)))</c>.</summary>
public sealed class TimestepEmbedding : Module
{
    private readonly Linear _linear1;
    private readonly Linear _linear2;

    /// <summary>Creates the MLP inChannels → timeEmbedDim → timeEmbedDim.</summary>
    public TimestepEmbedding(int inChannels, int timeEmbedDim, ScalarType dtype, Device? device)
    {
        _linear1 = RegisterModule("linear_1", new Linear(inChannels, timeEmbedDim, true, dtype, device));
        _linear2 = RegisterModule("linear_2", new Linear(timeEmbedDim, timeEmbedDim, true, dtype, device));
    }

    /// <summary>[B, inChannels] -> [B, timeEmbedDim].</summary>
    public Tensor Forward(Tensor x)
    {
        using var scope = TensorScope.Enter();
        // SiLU in place on the fresh norm/linear output saves one activation-sized allocation.
        return _linear2.Forward(_linear1.Forward(x).SiluInPlace()).MoveToOuterScope();
    }
}
