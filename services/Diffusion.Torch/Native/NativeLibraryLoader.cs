using System.Reflection;
using System.Runtime.InteropServices;
using System.Text;

namespace Diffusion.Torch.Native;

/// <summary>Resolves <see cref="NativeMethods.Library"/> to libdiffusion_torch.so: next to the
/// application, next to this assembly, at $DIFFUSION_TORCH_NATIVE, then the loader's default search.
/// When nothing loads it throws a <see cref="DllNotFoundException"/> that lists every path tried with
/// the loader's reason and says how to build the library.</summary>
internal static class NativeLibraryLoader
{
    internal const string FileName = "libdiffusion_torch.so";
    internal const string PathVariable = "DIFFUSION_TORCH_NATIVE";
    internal const string ThreadsVariable = "DIFFUSION_NUM_THREADS";

    private static int s_registered;
    private static readonly Lazy<nint> s_handle = new(Load, LazyThreadSafetyMode.ExecutionAndPublication);

    internal static void Register()
    {
        if (Interlocked.Exchange(ref s_registered, 1) == 0)
            NativeLibrary.SetDllImportResolver(typeof(NativeLibraryLoader).Assembly, Resolve);
    }

    private static nint Resolve(string libraryName, Assembly assembly, DllImportSearchPath? searchPath) =>
        libraryName == NativeMethods.Library ? s_handle.Value : 0;

    private static nint Load()
    {
        var failures = new List<string>();
        foreach (var path in Candidates())
        {
            if (!File.Exists(path))
            {
                failures.Add($"{path}: not found");
                continue;
            }
            try
            {
                return ApplyDefaultThreads(NativeLibrary.Load(path));
            }
            catch (DllNotFoundException e)
            {
                // The file exists but a dependency (libtorch, OpenBLAS) did not load: the loader says which.
                failures.Add($"{path}: {e.Message}");
            }
        }
        if (NativeLibrary.TryLoad(FileName, out var handle))
            return ApplyDefaultThreads(handle);
        failures.Add($"{FileName} via the default library search (LD_LIBRARY_PATH, ld.so cache): not loadable");
        throw new DllNotFoundException(DescribeFailure(failures));
    }

    /// <summary>The intra-op thread count applied when the library loads: $DIFFUSION_NUM_THREADS when it
    /// is a positive integer, else <see cref="Environment.ProcessorCount"/> (which honours the process's
    /// CPU affinity and cgroup quota).</summary>
    internal static int DefaultThreadCount()
    {
        var text = Environment.GetEnvironmentVariable(ThreadsVariable);
        return int.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int n) && n >= 1
            ? n
            : Environment.ProcessorCount;
    }

    // Why: libtorch's default is half the cores (one here, on 2 cores), and Debian's libtorch never
    // sizes OpenBLAS's pool. This runs inside the resolver, before any [LibraryImport] is bound, so it
    // calls the export through a function pointer: going through NativeMethods would re-enter the
    // Lazy that is still producing this handle.
    private static unsafe nint ApplyDefaultThreads(nint handle)
    {
        if (NativeLibrary.TryGetExport(handle, "dt_set_num_threads", out var export))
            _ = ((delegate* unmanaged<int, int>)export)(DefaultThreadCount());
        return handle;
    }

    private static IEnumerable<string> Candidates()
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var explicitPath = Environment.GetEnvironmentVariable(PathVariable);
        if (!string.IsNullOrEmpty(explicitPath))
        {
            var full = Directory.Exists(explicitPath) ? Path.Combine(explicitPath, FileName) : explicitPath;
            if (seen.Add(Path.GetFullPath(full))) yield return Path.GetFullPath(full);
        }
        foreach (var dir in new[] { AppContext.BaseDirectory, Path.GetDirectoryName(typeof(NativeLibraryLoader).Assembly.Location) })
        {
            if (string.IsNullOrEmpty(dir)) continue;
            var full = Path.GetFullPath(Path.Combine(dir, FileName));
            if (seen.Add(full)) yield return full;
        }
    }

    internal static string DescribeFailure(IReadOnlyList<string> failures)
    {
        var text = new StringBuilder();
        text.Append("The native tensor engine ").Append(FileName).AppendLine(" could not be loaded. Tried:");
        foreach (var f in failures) text.Append("  - ").AppendLine(f);
        text.AppendLine("Build it with `./test.sh`, or `dotnet build services/Diffusion.Torch` after")
            .AppendLine("`apt-get install libtorch-dev libopenblas0-pthread cmake g++` (a CUDA libtorch 2.x: set Torch_DIR or TORCH_CMAKE_PREFIX),")
            .Append("or point ").Append(PathVariable).Append(" at an existing ").Append(FileName).Append('.');
        return text.ToString();
    }
}
