using System.Runtime.InteropServices;

namespace Diffusion.Torch.Native;

// dt_shape.h
internal static unsafe partial class NativeMethods
{
    [LibraryImport(Library)] internal static partial int dt_tensor_reshape(TensorHandle t, long* shape, int ndim, out TensorHandle result);
    [LibraryImport(Library)] internal static partial int dt_tensor_view(TensorHandle t, long* shape, int ndim, out TensorHandle result);
    [LibraryImport(Library)] internal static partial int dt_tensor_permute(TensorHandle t, long* dims, int ndim, out TensorHandle result);
    [LibraryImport(Library)] internal static partial int dt_tensor_transpose(TensorHandle t, long dim0, long dim1, out TensorHandle result);
    [LibraryImport(Library)] internal static partial int dt_tensor_narrow(TensorHandle t, long dim, long start, long length, out TensorHandle result);
    [LibraryImport(Library)] internal static partial int dt_tensor_slice(TensorHandle t, long dim, long start, long end, long step, out TensorHandle result);
    [LibraryImport(Library)] internal static partial int dt_tensor_select(TensorHandle t, long dim, long index, out TensorHandle result);
    [LibraryImport(Library)] internal static partial int dt_tensor_index_select(TensorHandle t, long dim, TensorHandle index, out TensorHandle result);
    [LibraryImport(Library)] internal static partial int dt_tensor_unsqueeze(TensorHandle t, long dim, out TensorHandle result);
    [LibraryImport(Library)] internal static partial int dt_tensor_squeeze(TensorHandle t, long dim, out TensorHandle result);
    [LibraryImport(Library)] internal static partial int dt_tensor_flatten(TensorHandle t, long startDim, long endDim, out TensorHandle result);
    [LibraryImport(Library)] internal static partial int dt_tensor_expand(TensorHandle t, long* shape, int ndim, out TensorHandle result);
    [LibraryImport(Library)] internal static partial int dt_tensor_repeat(TensorHandle t, long* repeats, int ndim, out TensorHandle result);
    [LibraryImport(Library)] internal static partial int dt_tensor_triu(TensorHandle t, long diagonal, out TensorHandle result);
    // Handle arrays travel as raw pointers; callers hold a reference on each SafeHandle meanwhile.
    [LibraryImport(Library)] internal static partial int dt_tensor_cat(nint* tensors, int count, long dim, out TensorHandle result);
    [LibraryImport(Library)] internal static partial int dt_tensor_stack(nint* tensors, int count, long dim, out TensorHandle result);
    [LibraryImport(Library)] internal static partial int dt_tensor_chunk(TensorHandle t, long chunks, long dim, nint* outs, int capacity, out int count);
    [LibraryImport(Library)] internal static partial int dt_tensor_split(TensorHandle t, long* sizes, int nsizes, long dim, nint* outs, int capacity);
}
