using System.Runtime.InteropServices;

namespace Diffusion.Torch.Native;

// dt_reduce.h
internal static unsafe partial class NativeMethods
{
    [LibraryImport(Library)] internal static partial int dt_tensor_sum(TensorHandle t, long* dims, int ndims, int keepDim, out TensorHandle result);
    [LibraryImport(Library)] internal static partial int dt_tensor_mean(TensorHandle t, long* dims, int ndims, int keepDim, out TensorHandle result);
    [LibraryImport(Library)] internal static partial int dt_tensor_var(TensorHandle t, long* dims, int ndims, int unbiased, int keepDim, out TensorHandle result);
    [LibraryImport(Library)] internal static partial int dt_tensor_amax(TensorHandle t, long* dims, int ndims, int keepDim, out TensorHandle result);
    [LibraryImport(Library)] internal static partial int dt_tensor_amin(TensorHandle t, long* dims, int ndims, int keepDim, out TensorHandle result);
    [LibraryImport(Library)] internal static partial int dt_tensor_max_dim(TensorHandle t, long dim, int keepDim, out TensorHandle values, out TensorHandle indices);
    [LibraryImport(Library)] internal static partial int dt_tensor_argmax(TensorHandle t, long dim, int hasDim, int keepDim, out TensorHandle result);
}
