using System.Runtime.InteropServices;

namespace Diffusion.Torch.Native;

// dt_tensor.h
internal static unsafe partial class NativeMethods
{
    [LibraryImport(Library)] internal static partial void dt_tensor_free(nint tensor);
    [LibraryImport(Library)] internal static partial long dt_tensor_live_count();

    [LibraryImport(Library)]
    internal static partial int dt_tensor_from_data(void* data, long nbytes, int srcDtype, long* shape, int ndim, int dstDtype, int deviceType, int deviceIndex, out TensorHandle result);
    [LibraryImport(Library)] internal static partial int dt_tensor_copy_from_data(TensorHandle destination, void* data, long nbytes, int srcDtype);
    [LibraryImport(Library)] internal static partial int dt_tensor_empty(long* shape, int ndim, int dtype, int deviceType, int deviceIndex, out TensorHandle result);
    [LibraryImport(Library)] internal static partial int dt_tensor_zeros(long* shape, int ndim, int dtype, int deviceType, int deviceIndex, out TensorHandle result);
    [LibraryImport(Library)] internal static partial int dt_tensor_ones(long* shape, int ndim, int dtype, int deviceType, int deviceIndex, out TensorHandle result);
    [LibraryImport(Library)] internal static partial int dt_tensor_full(long* shape, int ndim, double value, int dtype, int deviceType, int deviceIndex, out TensorHandle result);
    [LibraryImport(Library)] internal static partial int dt_tensor_arange(double start, double end, double step, int dtype, int deviceType, int deviceIndex, out TensorHandle result);

    [LibraryImport(Library)] internal static partial int dt_tensor_dim(TensorHandle t, out int dim);
    [LibraryImport(Library)] internal static partial int dt_tensor_shape(TensorHandle t, long* shape, int capacity);
    [LibraryImport(Library)] internal static partial int dt_tensor_strides(TensorHandle t, long* strides, int capacity);
    [LibraryImport(Library)] internal static partial int dt_tensor_dtype(TensorHandle t, out int dtype);
    [LibraryImport(Library)] internal static partial int dt_tensor_device(TensorHandle t, out int deviceType, out int deviceIndex);
    [LibraryImport(Library)] internal static partial int dt_tensor_numel(TensorHandle t, out long numel);
    [LibraryImport(Library)] internal static partial int dt_tensor_is_contiguous(TensorHandle t, int memoryFormat, out int contiguous);

    [LibraryImport(Library)] internal static partial int dt_tensor_copy_to(TensorHandle t, void* destination, long nbytes);
    [LibraryImport(Library)] internal static partial int dt_tensor_item(TensorHandle t, out double value);
    [LibraryImport(Library)] internal static partial int dt_tensor_to(TensorHandle t, int dtype, int deviceType, int deviceIndex, int nonBlocking, int copy, out TensorHandle result);
    [LibraryImport(Library)] internal static partial int dt_tensor_clone(TensorHandle t, out TensorHandle result);
    [LibraryImport(Library)] internal static partial int dt_tensor_contiguous(TensorHandle t, int memoryFormat, out TensorHandle result);
    [LibraryImport(Library)] internal static partial int dt_tensor_alias(TensorHandle t, out TensorHandle result);
    [LibraryImport(Library)] internal static partial int dt_tensor_copy_(TensorHandle destination, TensorHandle source);
}
