using System.Runtime.InteropServices;

namespace Diffusion.Torch.Native;

// dt_nn.h (optional tensors are passed as TensorHandle.Null)
internal static unsafe partial class NativeMethods
{
    [LibraryImport(Library)]
    internal static partial int dt_nn_conv2d(TensorHandle x, TensorHandle weight, TensorHandle bias, long strideH, long strideW, long padH, long padW, long dilationH, long dilationW, long groups, out TensorHandle result);
    [LibraryImport(Library)] internal static partial int dt_nn_linear(TensorHandle x, TensorHandle weight, TensorHandle bias, out TensorHandle result);
    [LibraryImport(Library)] internal static partial int dt_nn_group_norm(TensorHandle x, long groups, TensorHandle weight, TensorHandle bias, double eps, out TensorHandle result);
    [LibraryImport(Library)] internal static partial int dt_nn_layer_norm(TensorHandle x, long* normalizedShape, int ndim, TensorHandle weight, TensorHandle bias, double eps, out TensorHandle result);
    [LibraryImport(Library)] internal static partial int dt_nn_embedding(TensorHandle weight, TensorHandle indices, out TensorHandle result);
    [LibraryImport(Library)] internal static partial int dt_nn_silu(TensorHandle x, out TensorHandle result);
    [LibraryImport(Library)] internal static partial int dt_nn_silu_(TensorHandle x);
    [LibraryImport(Library)] internal static partial int dt_nn_gelu(TensorHandle x, int tanhApproximation, out TensorHandle result);
    [LibraryImport(Library)] internal static partial int dt_nn_quick_gelu(TensorHandle x, out TensorHandle result);
    [LibraryImport(Library)] internal static partial int dt_nn_relu(TensorHandle x, out TensorHandle result);
    [LibraryImport(Library)] internal static partial int dt_nn_softmax(TensorHandle x, long dim, out TensorHandle result);
    [LibraryImport(Library)] internal static partial int dt_nn_log_softmax(TensorHandle x, long dim, out TensorHandle result);
    [LibraryImport(Library)] internal static partial int dt_nn_upsample_nearest2d(TensorHandle x, long outH, long outW, double scaleH, double scaleW, out TensorHandle result);
    [LibraryImport(Library)] internal static partial int dt_nn_pad(TensorHandle x, long* pads, int npads, double value, out TensorHandle result);
    [LibraryImport(Library)] internal static partial int dt_nn_avg_pool2d(TensorHandle x, long kernelH, long kernelW, out TensorHandle result);
}
