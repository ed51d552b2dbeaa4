using System.Globalization;
using System.Runtime.InteropServices;

namespace Diffusion.Benchmarking.Machine;

/// <summary>What a set of numbers was measured on; written into every JSON report.</summary>
/// <param name="CpuModel">"model name" from /proc/cpuinfo (or the architecture where unknown).</param>
/// <param name="LogicalCores">Logical processors the process may use (<see cref="Environment.ProcessorCount"/>).</param>
/// <param name="MemoryTotalMb">MemTotal from /proc/meminfo in MiB, or null.</param>
/// <param name="TorchThreads">Intra-op threads of our engine during the run.</param>
/// <param name="TorchVersion">libtorch version the native shim was built against.</param>
/// <param name="TorchBuild">The engine's build description (BLAS, parallel backend, attention), one line per item.</param>
/// <param name="DotNetVersion">The .NET runtime description.</param>
/// <param name="OperatingSystem">OS description (PRETTY_NAME from /etc/os-release where present).</param>
/// <param name="LoadAverage">The 1/5/15-minute load averages when the run started: other work on a shared machine.</param>
/// <param name="Gpu">The CUDA device used, or null for CPU runs.</param>
public sealed record MachineDescription(
    string CpuModel,
    int LogicalCores,
    double? MemoryTotalMb,
    int TorchThreads,
    string TorchVersion,
    IReadOnlyList<string> TorchBuild,
    string DotNetVersion,
    string OperatingSystem,
    IReadOnlyList<double> LoadAverage,
    string? Gpu)
{
    /// <summary>Describes this machine now. <paramref name="torchThreads"/>, <paramref name="torchVersion"/> and
    /// <paramref name="torchBuild"/> come from the engine (Torch.NumThreads, Torch.Version, Torch.BuildInfo).</summary>
    public static MachineDescription Capture(int torchThreads, string torchVersion, string torchBuild, string? gpu)
    {
        ArgumentNullException.ThrowIfNull(torchBuild);
        return new MachineDescription(
            ParseCpuModel(TryRead("/proc/cpuinfo")) ?? RuntimeInformation.ProcessArchitecture.ToString(),
            Environment.ProcessorCount,
            ParseMemTotalMb(TryRead("/proc/meminfo")),
            torchThreads,
            torchVersion,
            torchBuild.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
            RuntimeInformation.FrameworkDescription,
            ParseOsPrettyName(TryRead("/etc/os-release")) ?? RuntimeInformation.OSDescription,
            ParseLoadAverage(TryRead("/proc/loadavg")),
            gpu);
    }

    /// <summary>The 1/5/15-minute load averages now (empty where /proc/loadavg is missing).</summary>
    public static IReadOnlyList<double> CurrentLoadAverage() => ParseLoadAverage(TryRead("/proc/loadavg"));

    internal static string? ParseCpuModel(string? cpuinfo) =>
        cpuinfo?.Split('\n')
            .Where(l => l.StartsWith("model name", StringComparison.Ordinal))
            .Select(l => l[(l.IndexOf(':', StringComparison.Ordinal) + 1)..].Trim())
            .FirstOrDefault();

    internal static double? ParseMemTotalMb(string? meminfo)
    {
        var line = meminfo?.Split('\n').FirstOrDefault(l => l.StartsWith("MemTotal:", StringComparison.Ordinal));
        var parts = line?.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return parts is { Length: >= 2 } && long.TryParse(parts[1], CultureInfo.InvariantCulture, out long kb) ? kb / 1024.0 : null;
    }

    internal static string? ParseOsPrettyName(string? osRelease)
    {
        var line = osRelease?.Split('\n').FirstOrDefault(l => l.StartsWith("PRETTY_NAME=", StringComparison.Ordinal));
        return line?["PRETTY_NAME=".Length..].Trim('"');
    }

    internal static IReadOnlyList<double> ParseLoadAverage(string? loadavg)
    {
        if (loadavg is null)
            return [];
        return loadavg.Split(' ', StringSplitOptions.RemoveEmptyEntries)
            .Take(3)
            .Select(p => double.TryParse(p, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) ? v : double.NaN)
            .Where(double.IsFinite)
            .ToArray();
    }

    private static string? TryRead(string path)
    {
        try
        {
            return File.Exists(path) ? File.ReadAllText(path) : null;
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }
}
