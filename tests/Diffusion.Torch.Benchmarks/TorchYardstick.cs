using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Diffusion.Torch.Benchmarks;

/// <summary>Runs torch_ops.py (PyTorch on the same libtorch) as a child process with the same cases,
/// thread count, warm-up and iterations.</summary>
public static class TorchYardstick
{
    /// <summary>The interpreter: Debian's python3 (where apt's python3-torch lives), not a pyenv shim.</summary>
    public static string Python => Environment.GetEnvironmentVariable("TORCH_BENCH_PYTHON") ?? "/usr/bin/python3";

    /// <summary>Times <paramref name="cases"/> in PyTorch (inputs in <paramref name="dtype"/>: "f32" or "bf16"); returns its version and each case's timing by name.</summary>
    public static (string Version, Dictionary<string, Timing> Results) Run(IReadOnlyList<BenchCase> cases, int threads, int warmup, int iters, string dtype = "f32")
    {
        var spec = new JsonObject
        {
            ["threads"] = threads,
            ["warmup"] = warmup,
            ["iters"] = iters,
            ["dtype"] = dtype,
            ["cases"] = new JsonArray(cases.Select(c => (JsonNode)new JsonObject
            {
                ["name"] = c.Name,
                ["kind"] = c.Kind.ToString(),
                ["a"] = new JsonArray(c.A.Select(x => (JsonNode)x).ToArray()),
                ["b"] = new JsonArray(c.B.Select(x => (JsonNode)x).ToArray()),
                ["padding"] = c.Padding,
                ["variant"] = c.Variant,
                ["slice_size"] = c.SliceSize,
            }).ToArray()),
        };
        var start = new ProcessStartInfo(Python, [Path.Combine(AppContext.BaseDirectory, "torch_ops.py")])
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
        };
        // Debian's libtorch does not size OpenBLAS's pool (our shim does): give both sides the same.
        start.Environment["OPENBLAS_NUM_THREADS"] = threads.ToString(System.Globalization.CultureInfo.InvariantCulture);
        start.Environment["OMP_NUM_THREADS"] = threads.ToString(System.Globalization.CultureInfo.InvariantCulture);
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {Python}");
        process.StandardInput.Write(spec.ToJsonString());
        process.StandardInput.Close();
        string output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"{Python} torch_ops.py exited with {process.ExitCode} (is python3-torch installed?)");
        var doc = JsonNode.Parse(output) ?? throw new InvalidOperationException("empty output from torch_ops.py");
        var results = new Dictionary<string, Timing>(StringComparer.Ordinal);
        foreach (var (name, samples) in doc["results"]!.AsObject())
            results[name] = new Timing(samples!.AsArray().Select(s => s!.GetValue<double>()).ToArray());
        return (doc["torch_version"]!.GetValue<string>(), results);
    }

    /// <summary>Serializer options shared by the report.</summary>
    public static readonly JsonSerializerOptions Json = new() { WriteIndented = true };
}
