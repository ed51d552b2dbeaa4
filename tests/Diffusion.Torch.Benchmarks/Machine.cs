namespace Diffusion.Torch.Benchmarks;

/// <summary>What the numbers were measured on.</summary>
/// <param name="Cpu">/proc/cpuinfo's model name.</param>
/// <param name="Cores">Logical processors available to the process.</param>
/// <param name="Threads">Intra-op threads both sides used.</param>
/// <param name="Libtorch">The libtorch our shim was built against.</param>
/// <param name="TorchPython">PyTorch's version in the yardstick child (null when not run).</param>
/// <param name="Blas">The BLAS our process loaded (OpenBLAS configuration line or MKL).</param>
/// <param name="CpuFlags">The ISA extensions relevant to the kernels (avx2, avx512f, avx512_bf16, amx).</param>
public sealed record Machine(string Cpu, int Cores, int Threads, string Libtorch, string? TorchPython, string Blas, string CpuFlags)
{
    /// <summary>Describes this machine and process.</summary>
    public static Machine Describe(int threads, string? torchPython)
    {
        string cpu = "unknown", flags = "";
        if (File.Exists("/proc/cpuinfo"))
        {
            var lines = File.ReadAllLines("/proc/cpuinfo");
            cpu = lines.FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? cpu;
            var all = lines.FirstOrDefault(l => l.StartsWith("flags", StringComparison.Ordinal))?.Split(':', 2)[1].Split(' ') ?? [];
            flags = string.Join(' ', all.Where(f => f is "avx2" or "fma" or "avx512f" or "avx512_bf16" or "amx_bf16" or "amx_tile"));
        }
        var info = Torch.BuildInfo.Split('\n');
        string blas = info.FirstOrDefault(l => l.StartsWith("OpenBLAS: ", StringComparison.Ordinal))?.Trim()
                      ?? info.FirstOrDefault(l => l.Contains("BLAS_INFO", StringComparison.Ordinal))?.Trim() ?? "unknown";
        return new Machine(cpu, Environment.ProcessorCount, threads, Torch.Version.ToString(), torchPython, blas, flags);
    }
}
