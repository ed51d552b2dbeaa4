using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Diffusion.Benchmarking.Yardstick;

/// <summary>Settings of one yardstick run (the same forward our engine times).</summary>
/// <param name="ConfigPath">diffusers UNet config.json.</param>
/// <param name="Attention">Attention modes to time, e.g. ["default", "sliced"].</param>
/// <param name="Batch">Batch rows (2 = one image with classifier-free guidance).</param>
/// <param name="LatentSize">Latent height and width (64 for 512x512 images).</param>
/// <param name="SequenceLength">Text tokens in encoder_hidden_states (77).</param>
/// <param name="Warmup">Untimed forwards first.</param>
/// <param name="Iterations">Timed forwards per mode.</param>
/// <param name="Threads">torch.set_num_threads; the same count our engine uses.</param>
/// <param name="DType">f32 or bf16.</param>
/// <param name="Device">cpu or cuda.</param>
public sealed record YardstickRequest(
    string ConfigPath, IReadOnlyList<string> Attention, int Batch, int LatentSize, int SequenceLength,
    int Warmup, int Iterations, int Threads, string DType, string Device)
{
    /// <summary>Optional safetensors state dict to load instead of random init.</summary>
    public string? WeightsPath { get; init; }

    /// <summary>Optional safetensors with sample, timesteps, encoder_hidden_states.</summary>
    public string? InputsPath { get; init; }

    /// <summary>Optional path where the yardstick writes each attention mode's last output, keys output_&lt;mode&gt; (F32).</summary>
    public string? OutputPath { get; init; }

    /// <summary>Optional path where the yardstick writes its (random-init) state dict before running.</summary>
    public string? SaveWeightsPath { get; init; }
}

/// <summary>Runs benchmarks/yardstick/unet_bench.py with the system Python (Debian's python3-torch) and
/// parses the JSON it prints.</summary>
public static class PythonYardstick
{
    /// <summary>The Python interpreter: $DIFFUSION_BENCH_PYTHON, else /usr/bin/python3.</summary>
    public static string Python =>
        Environment.GetEnvironmentVariable("DIFFUSION_BENCH_PYTHON") is { Length: > 0 } p ? p : "/usr/bin/python3";

    /// <summary>Finds benchmarks/yardstick/ by walking up from the current directory and from this assembly's
    /// folder; $DIFFUSION_YARDSTICK_DIR overrides. Null when not found.</summary>
    public static string? FindScriptFolder()
    {
        if (Environment.GetEnvironmentVariable("DIFFUSION_YARDSTICK_DIR") is { Length: > 0 } dir)
            return File.Exists(Path.Combine(dir, "unet_bench.py")) ? dir : null;
        foreach (var start in new[] { Environment.CurrentDirectory, AppContext.BaseDirectory })
        {
            for (var d = new DirectoryInfo(start); d is not null; d = d.Parent)
            {
                var candidate = Path.Combine(d.FullName, "benchmarks", "yardstick");
                if (File.Exists(Path.Combine(candidate, "unet_bench.py")))
                    return candidate;
            }
        }
        return null;
    }

    /// <summary>Whether the interpreter can import torch (the yardstick's only dependency).</summary>
    public static bool IsAvailable(out string reason)
    {
        if (FindScriptFolder() is null)
        {
            reason = "benchmarks/yardstick/unet_bench.py not found (run from the repository, or set DIFFUSION_YARDSTICK_DIR)";
            return false;
        }
        try
        {
            using var p = Process.Start(new ProcessStartInfo(Python, ["-c", "import torch"])
            {
                RedirectStandardError = true,
                RedirectStandardOutput = true,
            })!;
            p.WaitForExit();
            reason = p.ExitCode == 0 ? "" : $"{Python} cannot import torch (install python3-torch: scripts/bench.sh does)";
            return p.ExitCode == 0;
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            reason = $"{Python} not runnable: {e.Message}";
            return false;
        }
    }

    /// <summary>Runs the yardstick; <paramref name="onProgress"/> sees its stderr lines as they come.</summary>
    /// <exception cref="InvalidOperationException">The script failed or printed no JSON.</exception>
    public static async Task<YardstickReport> RunAsync(
        YardstickRequest request, Action<string>? onProgress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var folder = FindScriptFolder()
            ?? throw new InvalidOperationException("benchmarks/yardstick/unet_bench.py not found (set DIFFUSION_YARDSTICK_DIR)");
        var start = new ProcessStartInfo(Python)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in BuildArguments(Path.Combine(folder, "unet_bench.py"), request))
            start.ArgumentList.Add(arg);
        // One OpenMP/BLAS pool sized like ours, nothing else competing inside the child.
        start.Environment["OMP_NUM_THREADS"] = request.Threads.ToString(CultureInfo.InvariantCulture);

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {Python}");
        var stderr = new StringBuilder();
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is null)
                return;
            lock (stderr)
                stderr.AppendLine(e.Data);
            onProgress?.Invoke(e.Data);
        };
        process.BeginErrorReadLine();
        string stdout;
        using (cancellationToken.Register(() => TryKill(process)))
        {
            stdout = await process.StandardOutput.ReadToEndAsync(cancellationToken).ConfigureAwait(false);
            await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
        }
        if (process.ExitCode != 0)
        {
            string tail;
            lock (stderr)
                tail = stderr.ToString();
            throw new InvalidOperationException($"yardstick exited with {process.ExitCode}: {Tail(tail, 2000)}");
        }
        return Parse(stdout);
    }

    /// <summary>Parses the yardstick's stdout.</summary>
    public static YardstickReport Parse(string json) =>
        JsonSerializer.Deserialize<YardstickReport>(json)
        ?? throw new InvalidOperationException("yardstick printed no JSON report");

    internal static IReadOnlyList<string> BuildArguments(string script, YardstickRequest r)
    {
        var args = new List<string>
        {
            script, "--config", r.ConfigPath, "--attention", string.Join(",", r.Attention),
            "--batch", Inv(r.Batch), "--size", Inv(r.LatentSize), "--seq", Inv(r.SequenceLength),
            "--warmup", Inv(r.Warmup), "--iters", Inv(r.Iterations), "--threads", Inv(r.Threads),
            "--dtype", r.DType, "--device", r.Device,
        };
        if (r.WeightsPath is not null)
            args.AddRange(["--weights", r.WeightsPath]);
        if (r.InputsPath is not null)
            args.AddRange(["--inputs", r.InputsPath]);
        if (r.OutputPath is not null)
            args.AddRange(["--save-output", r.OutputPath]);
        if (r.SaveWeightsPath is not null)
            args.AddRange(["--save-weights", r.SaveWeightsPath]);
        return args;
    }

    private static string Inv(int v) => v.ToString(CultureInfo.InvariantCulture);

    private static string Tail(string s, int n) => s.Length <= n ? s : s[^n..];

    private static void TryKill(Process p)
    {
        try
        {
            p.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // already exited
        }
    }
}
