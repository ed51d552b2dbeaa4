using System.Runtime.InteropServices;

namespace Diffusion.Torch.Native;

// dt_runtime.h
internal static unsafe partial class NativeMethods
{
    [LibraryImport(Library)] internal static partial int dt_set_num_threads(int n);
    [LibraryImport(Library)] internal static partial int dt_get_num_threads(out int n);
    [LibraryImport(Library)] internal static partial int dt_version(out int major, out int minor, out int patch);
    [LibraryImport(Library)] internal static partial int dt_build_info(byte* buffer, long length, out long needed);
    [LibraryImport(Library)] internal static partial int dt_cuda_is_available(out int available);
    [LibraryImport(Library)] internal static partial int dt_cuda_device_count(out int count);
    [LibraryImport(Library)] internal static partial int dt_cuda_synchronize(int deviceIndex);
    [LibraryImport(Library)] internal static partial int dt_cuda_memory_stats(int deviceIndex, out long allocated, out long reserved, out long peakAllocated);
    [LibraryImport(Library)] internal static partial int dt_cuda_empty_cache();
}
