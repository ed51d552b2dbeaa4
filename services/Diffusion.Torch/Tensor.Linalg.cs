using Diffusion.Torch.Native;

namespace Diffusion.Torch;

// Matrix products.
public sealed partial class Tensor
{
    /// <summary>torch.matmul (batch dims broadcast).</summary>
    public Tensor MatMul(Tensor other) => Wrap(NativeMethods.dt_tensor_matmul(Handle, Arg(other), out var r), r);

    /// <summary>[B, n, m] x [B, m, p] -> [B, n, p].</summary>
    public Tensor Bmm(Tensor other) => Wrap(NativeMethods.dt_tensor_bmm(Handle, Arg(other), out var r), r);

    /// <summary>beta * this + alpha * (b1 @ b2), batched (torch.baddbmm).</summary>
    public Tensor Baddbmm(Tensor b1, Tensor b2, double beta = 1, double alpha = 1) =>
        Wrap(NativeMethods.dt_tensor_baddbmm(Handle, Arg(b1), Arg(b2), beta, alpha, out var r), r);
}
