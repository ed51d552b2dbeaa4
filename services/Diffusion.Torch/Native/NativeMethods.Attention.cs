using System.Runtime.InteropServices;

namespace Diffusion.Torch.Native;

// dt_attention.h
internal static partial class NativeMethods
{
    [LibraryImport(Library)] internal static partial int dt_attention_sdpa(TensorHandle q, TensorHandle k, TensorHandle v, TensorHandle mask, int isCausal, double scale, out TensorHandle result);
    [LibraryImport(Library)] internal static partial int dt_attention_sdpa_math(TensorHandle q, TensorHandle k, TensorHandle v, TensorHandle mask, int isCausal, double scale, out TensorHandle result);
}
