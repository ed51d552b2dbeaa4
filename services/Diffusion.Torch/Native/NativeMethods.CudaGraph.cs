using System.Runtime.InteropServices;

namespace Diffusion.Torch.Native;

// dt_cuda_graph.h
internal static unsafe partial class NativeMethods
{
    [LibraryImport(Library)] internal static partial int dt_cuda_graph_is_supported(out int supported);
    [LibraryImport(Library)] internal static partial int dt_cuda_graph_capture_begin(int deviceIndex, out CudaGraphHandle graph);
    [LibraryImport(Library)] internal static partial int dt_cuda_graph_capture_end(CudaGraphHandle graph);
    [LibraryImport(Library)] internal static partial int dt_cuda_graph_replay(CudaGraphHandle graph);
    [LibraryImport(Library)] internal static partial void dt_cuda_graph_free(nint graph);
}

/// <summary>Owns one dt_cuda_graph handle; releasing it calls dt_cuda_graph_free.</summary>
internal sealed class CudaGraphHandle : SafeHandle
{
    public CudaGraphHandle() : base(0, ownsHandle: true) { }

    public override bool IsInvalid => handle == 0;

    protected override bool ReleaseHandle()
    {
        NativeMethods.dt_cuda_graph_free(handle);
        return true;
    }
}
