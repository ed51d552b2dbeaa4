using System.Text;
using Diffusion.Torch.Native;

namespace Diffusion.Torch;

/// <summary>Process-wide engine settings, diagnostics and seeded sampling.</summary>
public static class Torch
{
    /// <summary>Intra-op threads used by later ops from every thread (OpenMP and OpenBLAS pools). When the
    /// native library loads it is set to $DIFFUSION_NUM_THREADS if that is a positive integer, else to
    /// <see cref="Environment.ProcessorCount"/> (libtorch's own default is half the cores).</summary>
    public static int NumThreads
    {
        get
        {
            NativeStatus.Check(NativeMethods.dt_get_num_threads(out int n));
            return n;
        }
    }

    /// <summary>Sets the intra-op thread count (>= 1) for all later ops.</summary>
    public static void SetNumThreads(int threads)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(threads, 1);
        NativeStatus.Check(NativeMethods.dt_set_num_threads(threads));
    }

    /// <summary>The libtorch version the native shim was compiled against.</summary>
    public static Version Version
    {
        get
        {
            NativeStatus.Check(NativeMethods.dt_version(out int major, out int minor, out int patch));
            return new Version(major, minor, patch);
        }
    }

    /// <summary>A multi-line description: libtorch version and at::show_config(), the parallel backend,
    /// the BLAS/LAPACK libraries actually loaded (with OpenBLAS's configuration), CUDA support, and
    /// which attention implementation is used.</summary>
    public static unsafe string BuildInfo
    {
        get
        {
            NativeStatus.Check(NativeMethods.dt_build_info(null, 0, out long needed));
            var buffer = new byte[checked((int)needed + 1)];
            fixed (byte* p = buffer)
                NativeStatus.Check(NativeMethods.dt_build_info(p, buffer.Length, out needed));
            return Encoding.UTF8.GetString(buffer, 0, (int)Math.Min(needed, buffer.Length - 1));
        }
    }

    /// <summary>Native tensor handles currently alive in the process (leak diagnostics).</summary>
    public static long LiveTensorCount => NativeMethods.dt_tensor_live_count();

    /// <summary>torch.randn(shape, generator=torch.Generator("cpu").manual_seed(seed), dtype=dtype), moved to <paramref name="device"/>.</summary>
    public static Tensor Randn(long[] shape, ulong seed, ScalarType dtype = ScalarType.Float32, Device? device = null)
    {
        using var generator = new Generator(seed);
        return generator.Randn(shape, dtype, device);
    }

    /// <summary>Loads the native library now (it otherwise loads on first use), so a missing or broken
    /// installation fails at startup with the loader's diagnostic.</summary>
    public static void EnsureLoaded() => _ = NativeMethods.dt_tensor_live_count();
}
