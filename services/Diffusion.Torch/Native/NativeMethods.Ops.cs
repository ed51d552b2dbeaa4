using System.Runtime.InteropServices;

namespace Diffusion.Torch.Native;

// dt_ops.h
internal static partial class NativeMethods
{
    [LibraryImport(Library)] internal static partial int dt_tensor_neg(TensorHandle t, out TensorHandle result);
    [LibraryImport(Library)] internal static partial int dt_tensor_abs(TensorHandle t, out TensorHandle result);
    [LibraryImport(Library)] internal static partial int dt_tensor_exp(TensorHandle t, out TensorHandle result);
    [LibraryImport(Library)] internal static partial int dt_tensor_log(TensorHandle t, out TensorHandle result);
    [LibraryImport(Library)] internal static partial int dt_tensor_sqrt(TensorHandle t, out TensorHandle result);
    [LibraryImport(Library)] internal static partial int dt_tensor_rsqrt(TensorHandle t, out TensorHandle result);
    [LibraryImport(Library)] internal static partial int dt_tensor_sin(TensorHandle t, out TensorHandle result);
    [LibraryImport(Library)] internal static partial int dt_tensor_cos(TensorHandle t, out TensorHandle result);
    [LibraryImport(Library)] internal static partial int dt_tensor_tanh(TensorHandle t, out TensorHandle result);
    [LibraryImport(Library)] internal static partial int dt_tensor_sigmoid(TensorHandle t, out TensorHandle result);
    [LibraryImport(Library)] internal static partial int dt_tensor_erf(TensorHandle t, out TensorHandle result);
    [LibraryImport(Library)] internal static partial int dt_tensor_floor(TensorHandle t, out TensorHandle result);
    [LibraryImport(Library)] internal static partial int dt_tensor_round(TensorHandle t, out TensorHandle result);
    [LibraryImport(Library)] internal static partial int dt_tensor_logical_not(TensorHandle t, out TensorHandle result);

    [LibraryImport(Library)] internal static partial int dt_tensor_add(TensorHandle a, TensorHandle b, double alpha, out TensorHandle result);
    [LibraryImport(Library)] internal static partial int dt_tensor_sub(TensorHandle a, TensorHandle b, double alpha, out TensorHandle result);
    [LibraryImport(Library)] internal static partial int dt_tensor_mul(TensorHandle a, TensorHandle b, out TensorHandle result);
    [LibraryImport(Library)] internal static partial int dt_tensor_div(TensorHandle a, TensorHandle b, out TensorHandle result);
    [LibraryImport(Library)] internal static partial int dt_tensor_pow(TensorHandle a, TensorHandle b, out TensorHandle result);
    [LibraryImport(Library)] internal static partial int dt_tensor_maximum(TensorHandle a, TensorHandle b, out TensorHandle result);
    [LibraryImport(Library)] internal static partial int dt_tensor_minimum(TensorHandle a, TensorHandle b, out TensorHandle result);
    [LibraryImport(Library)] internal static partial int dt_tensor_add_(TensorHandle a, TensorHandle b, double alpha);
    [LibraryImport(Library)] internal static partial int dt_tensor_sub_(TensorHandle a, TensorHandle b, double alpha);
    [LibraryImport(Library)] internal static partial int dt_tensor_mul_(TensorHandle a, TensorHandle b);
    [LibraryImport(Library)] internal static partial int dt_tensor_div_(TensorHandle a, TensorHandle b);

    [LibraryImport(Library)] internal static partial int dt_tensor_add_scalar(TensorHandle a, double s, out TensorHandle result);
    [LibraryImport(Library)] internal static partial int dt_tensor_mul_scalar(TensorHandle a, double s, out TensorHandle result);
    [LibraryImport(Library)] internal static partial int dt_tensor_div_scalar(TensorHandle a, double s, out TensorHandle result);
    [LibraryImport(Library)] internal static partial int dt_tensor_pow_scalar(TensorHandle a, double exponent, out TensorHandle result);
    [LibraryImport(Library)] internal static partial int dt_tensor_rsub_scalar(TensorHandle a, double s, out TensorHandle result);
    [LibraryImport(Library)] internal static partial int dt_tensor_rdiv_scalar(TensorHandle a, double s, out TensorHandle result);
    [LibraryImport(Library)] internal static partial int dt_tensor_add_scalar_(TensorHandle a, double s);
    [LibraryImport(Library)] internal static partial int dt_tensor_mul_scalar_(TensorHandle a, double s);
    [LibraryImport(Library)] internal static partial int dt_tensor_div_scalar_(TensorHandle a, double s);

    [LibraryImport(Library)] internal static partial int dt_tensor_compare(TensorHandle a, TensorHandle b, int op, out TensorHandle result);
    [LibraryImport(Library)] internal static partial int dt_tensor_compare_scalar(TensorHandle a, double s, int op, out TensorHandle result);
    [LibraryImport(Library)] internal static partial int dt_tensor_where(TensorHandle condition, TensorHandle a, TensorHandle b, out TensorHandle result);
    [LibraryImport(Library)] internal static partial int dt_tensor_masked_fill(TensorHandle t, TensorHandle mask, double value, out TensorHandle result);
    [LibraryImport(Library)] internal static partial int dt_tensor_clamp(TensorHandle t, double min, int hasMin, double max, int hasMax, out TensorHandle result);
}
