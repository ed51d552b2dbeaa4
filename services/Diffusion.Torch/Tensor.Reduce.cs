using Diffusion.Torch.Native;

namespace Diffusion.Torch;

// Reductions. A null or empty dims list reduces over every element.
public sealed partial class Tensor
{
    private unsafe delegate int ReduceCall(TensorHandle t, long* dims, int ndims, int keepDim, out TensorHandle result);

    private unsafe Tensor Reduce(ReduceCall call, long[]? dims, bool keepDim)
    {
        dims ??= [];
        fixed (long* d = dims)
            return Wrap(call(Handle, d, dims.Length, keepDim ? 1 : 0, out var r), r);
    }

    /// <summary>Sum over <paramref name="dims"/> (all elements when null).</summary>
    public unsafe Tensor Sum(long[]? dims = null, bool keepDim = false) => Reduce(NativeMethods.dt_tensor_sum, dims, keepDim);
    /// <summary>Sum over one dimension.</summary>
    public Tensor Sum(long dim, bool keepDim = false) => Sum([dim], keepDim);

    /// <summary>Mean over <paramref name="dims"/> (all elements when null).</summary>
    public unsafe Tensor Mean(long[]? dims = null, bool keepDim = false) => Reduce(NativeMethods.dt_tensor_mean, dims, keepDim);
    /// <summary>Mean over one dimension.</summary>
    public Tensor Mean(long dim, bool keepDim = false) => Mean([dim], keepDim);

    /// <summary>Maximum over <paramref name="dims"/> (torch.amax; all elements when null).</summary>
    public unsafe Tensor Amax(long[]? dims = null, bool keepDim = false) => Reduce(NativeMethods.dt_tensor_amax, dims, keepDim);
    /// <summary>Minimum over <paramref name="dims"/> (torch.amin; all elements when null).</summary>
    public unsafe Tensor Amin(long[]? dims = null, bool keepDim = false) => Reduce(NativeMethods.dt_tensor_amin, dims, keepDim);

    /// <summary>Variance over <paramref name="dims"/> (all elements when null), with Bessel's correction when <paramref name="unbiased"/>.</summary>
    public unsafe Tensor Var(long[]? dims = null, bool unbiased = true, bool keepDim = false)
    {
        dims ??= [];
        fixed (long* d = dims)
            return Wrap(NativeMethods.dt_tensor_var(Handle, d, dims.Length, unbiased ? 1 : 0, keepDim ? 1 : 0, out var r), r);
    }

    /// <summary>torch.max(x, dim): the maxima and their Int64 indices (first occurrence).</summary>
    public (Tensor Values, Tensor Indices) Max(long dim, bool keepDim = false)
    {
        int status = NativeMethods.dt_tensor_max_dim(Handle, dim, keepDim ? 1 : 0, out var values, out var indices);
        if (status != NativeStatus.Ok)
        {
            values.Dispose();
            indices.Dispose();
            throw NativeStatus.CreateException(status);
        }
        return (new Tensor(values), new Tensor(indices));
    }

    /// <summary>Int64 index of the maximum along <paramref name="dim"/>, or in the flattened tensor when null.</summary>
    public Tensor ArgMax(long? dim = null, bool keepDim = false) =>
        Wrap(NativeMethods.dt_tensor_argmax(Handle, dim ?? 0, dim is null ? 0 : 1, keepDim ? 1 : 0, out var r), r);
}
