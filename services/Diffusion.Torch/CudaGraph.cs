using Diffusion.Torch.Native;

namespace Diffusion.Torch;

/// <summary>A captured CUDA graph of a static-shape computation (torch.cuda.graph over
/// at::cuda::CUDAGraph): <see cref="Replay"/> relaunches every kernel recorded during
/// <see cref="Capture(Func{Tensor}, int, int)"/> with one launch, reading the same input tensors and
/// writing the same <see cref="Output"/>. Feed new data by copying into the captured inputs
/// (<see cref="Tensor.CopyFrom"/>), then replay:
/// <code>
/// using var graph = CudaGraph.Capture(() => unet.Forward(staticLatents, staticT, staticText));
/// staticLatents.CopyFrom(latents);
/// graph.Replay();                 // graph.Output holds the new result (asynchronously, on the GPU)
/// </code>
/// Inputs must stay alive, at the same shapes and addresses, as long as the graph is replayed. Only
/// CUDA work may happen inside the captured body (no host copies, no synchronization, no CPU tensors
/// read back). Requires a CUDA libtorch 2.x build of the shim and a device.</summary>
public sealed class CudaGraph : IDisposable
{
    private readonly CudaGraphHandle _handle;

    private CudaGraph(CudaGraphHandle handle, Tensor? output)
    {
        _handle = handle;
        Output = output;
    }

    /// <summary>Whether the native shim was built against a CUDA libtorch (a device may still be absent).</summary>
    public static bool IsSupported
    {
        get
        {
            NativeStatus.Check(NativeMethods.dt_cuda_graph_is_supported(out int supported));
            return supported != 0;
        }
    }

    /// <summary>The tensor the captured body returned; replays overwrite it in place. Owned by the
    /// graph (disposed with it); null when captured from an <see cref="Action"/>.</summary>
    public Tensor? Output { get; }

    /// <summary>Runs <paramref name="body"/> <paramref name="warmup"/> times normally (libraries such as
    /// cuBLAS and cuDNN allocate workspaces and pick algorithms on first use, which capture forbids),
    /// then once under capture on a side stream of <paramref name="deviceIndex"/> (-1: current), and
    /// returns the graph, owning the returned tensor as <see cref="Output"/>. Synchronous: call it on
    /// the thread that issues the work, outside any <c>await</c>.</summary>
    /// <exception cref="NotSupportedException">The shim has no CUDA support or no device is visible.</exception>
    public static CudaGraph Capture(Func<Tensor> body, int warmup = 1, int deviceIndex = -1)
    {
        ArgumentNullException.ThrowIfNull(body);
        return CaptureCore(body, warmup, deviceIndex);
    }

    /// <summary><see cref="Capture(Func{Tensor}, int, int)"/> for a body that writes into tensors it
    /// was given (no <see cref="Output"/>).</summary>
    /// <exception cref="NotSupportedException">The shim has no CUDA support or no device is visible.</exception>
    public static CudaGraph Capture(Action body, int warmup = 1, int deviceIndex = -1)
    {
        ArgumentNullException.ThrowIfNull(body);
        return CaptureCore(() => { body(); return null; }, warmup, deviceIndex);
    }

    /// <summary>Relaunches the captured kernels on the current stream. Asynchronous like any CUDA op:
    /// reading <see cref="Output"/> on the host (or <see cref="Cuda.Synchronize"/>) waits for it.</summary>
    public void Replay() => NativeStatus.Check(NativeMethods.dt_cuda_graph_replay(_handle));

    /// <summary>Frees the graph, its output and its private memory pool.</summary>
    public void Dispose()
    {
        Output?.Dispose();
        _handle.Dispose();
    }

    private static CudaGraph CaptureCore(Func<Tensor?> body, int warmup, int deviceIndex)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(warmup);
        if (!IsSupported)
            throw new NotSupportedException("CUDA graphs need libdiffusion_torch built against a CUDA libtorch 2.x (this build is CPU-only)");
        if (!Cuda.IsAvailable)
            throw new NotSupportedException("CUDA graphs need a CUDA device; torch.cuda.is_available() is false");

        for (int i = 0; i < warmup; i++)
            body()?.Dispose();
        Cuda.Synchronize(deviceIndex);

        NativeStatus.Check(NativeMethods.dt_cuda_graph_capture_begin(deviceIndex, out var handle));
        Tensor? output;
        try
        {
            output = body();
        }
        catch
        {
            // End the capture so the thread gets its stream back; its own failure adds nothing.
            _ = NativeMethods.dt_cuda_graph_capture_end(handle);
            handle.Dispose();
            throw;
        }
        try
        {
            NativeStatus.Check(NativeMethods.dt_cuda_graph_capture_end(handle));
        }
        catch
        {
            output?.Dispose();
            handle.Dispose();
            throw;
        }
        return new CudaGraph(handle, output?.DetachFromScope());
    }
}
