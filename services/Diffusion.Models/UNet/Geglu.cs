using Diffusion.Torch;
using Diffusion.Torch.Nn;

namespace Diffusion.Models.UNet;

/// <summary>diffusers <c>GEGLU</c>: <c>h, gate = proj(x).chunk(2, -1); h * gelu(gate)</c> (exact erf GELU).</summary>
public sealed class Geglu : Module
{
    private readonly Linear _proj;

    /// <summary>Creates the gated projection dimIn → dimOut (the Linear produces 2 × dimOut).</summary>
    public Geglu(int dimIn, int dimOut, ScalarType dtype, Device? device)
    {
        _proj = RegisterModule("proj", new Linear(dimIn, dimOut * 2, true, dtype, device));
    }

    /// <summary>[.., dimIn] -> [.., dimOut].</summary>
    public Tensor Forward(Tensor x)
    {
        ArgumentNullException.ThrowIfNull(x);
        using var scope = TensorScope.Enter();
        var parts = _proj.Forward(x).Chunk(2, -1);
        return parts[0].Mul(parts[1].Gelu()).MoveToOuterScope();
    }
}
