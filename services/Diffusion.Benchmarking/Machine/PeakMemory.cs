using System.Globalization;

namespace Diffusion.Benchmarking.Machine;

/// <summary>Peak resident set size (VmHWM) of a Linux process, from /proc/[pid]/status.</summary>
public static class PeakMemory
{
    /// <summary>This process's VmHWM in MiB, or null where /proc is not available.</summary>
    public static double? CurrentProcessMb() => ReadMb("/proc/self/status");

    /// <summary>VmHWM in MiB from a status file at <paramref name="statusPath"/>, or null when unreadable.</summary>
    public static double? ReadMb(string statusPath)
    {
        try
        {
            return ParseVmHwmMb(File.ReadAllText(statusPath));
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

    /// <summary>Parses the "VmHWM:   123456 kB" line of /proc status text; null when absent.</summary>
    public static double? ParseVmHwmMb(string statusText)
    {
        ArgumentNullException.ThrowIfNull(statusText);
        foreach (var line in statusText.Split('\n'))
        {
            if (!line.StartsWith("VmHWM:", StringComparison.Ordinal))
                continue;
            var parts = line["VmHWM:".Length..].Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length >= 1 && long.TryParse(parts[0], NumberStyles.Integer, CultureInfo.InvariantCulture, out long kb))
                return kb / 1024.0;
        }
        return null;
    }
}
