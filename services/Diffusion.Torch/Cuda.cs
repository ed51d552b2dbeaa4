using Diffusion.Torch.Native;

namespace Diffusion.Torch;

/// <summary>Caching-allocator statistics of one CUDA device, in bytes.</summary>
/// <param name="AllocatedBytes">Memory held by live tensors.</param>
/// <param name="ReservedBytes">Memory reserved from the driver by the caching allocator.</param>
/// <param name="PeakAllocatedBytes">Highest AllocatedBytes since the process started.</param>
public readonly record struct CudaMemoryStats(long AllocatedBytes, long ReservedBytes, long PeakAllocatedBytes);

/// <summary>CUDA device queries. All are safe to call on a CPU-only libtorch (they report no devices).</summary>
public static class Cuda
{
    /// <summary>Whether libtorch was built with CUDA and sees at least one device (torch.cuda.is_available()).</summary>
    public static bool IsAvailable
    {
        get
        {
            NativeStatus.Check(NativeMethods.dt_cuda_is_available(out int available));
            return available != 0;
        }
    }

    /// <summary>Number of visible CUDA devices.</summary>
    public static int DeviceCount
    {
        get
        {
            NativeStatus.Check(NativeMethods.dt_cuda_device_count(out int count));
            return count;
        }
    }

    /// <summary>Waits until all queued work on <paramref name="deviceIndex"/> (-1: current) has finished (for timing).</summary>
    public static void Synchronize(int deviceIndex = -1) => NativeStatus.Check(NativeMethods.dt_cuda_synchronize(deviceIndex));

    /// <summary>The caching allocator's statistics for <paramref name="deviceIndex"/> (-1: current).</summary>
    public static CudaMemoryStats MemoryStats(int deviceIndex = -1)
    {
        NativeStatus.Check(NativeMethods.dt_cuda_memory_stats(deviceIndex, out long allocated, out long reserved, out long peak));
        return new CudaMemoryStats(allocated, reserved, peak);
    }

    /// <summary>Returns unused cached blocks to the driver (torch.cuda.empty_cache()).</summary>
    public static void EmptyCache() => NativeStatus.Check(NativeMethods.dt_cuda_empty_cache());
}
