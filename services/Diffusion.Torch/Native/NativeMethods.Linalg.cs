using System.Runtime.InteropServices;

namespace Diffusion.Torch.Native;

// dt_linalg.h
internal static partial class NativeMethods
{
    [LibraryImport(Library)] internal static partial int dt_tensor_matmul(TensorHandle a, TensorHandle b, out TensorHandle result);
    [LibraryImport(Library)] internal static partial int dt_tensor_bmm(TensorHandle a, TensorHandle b, out TensorHandle result);
    [LibraryImport(Library)] internal static partial int dt_tensor_baddbmm(TensorHandle input, TensorHandle b1, TensorHandle b2, double beta, double alpha, out TensorHandle result);
}
