using System.Globalization;
using Diffusion.Benchmarking.Machine;
using Diffusion.Benchmarking.Reporting;
using Diffusion.Benchmarking.Runners;
using Diffusion.Benchmarking.Yardstick;
using Diffusion.Pipelines.Generation;

namespace Diffusion.Benchmarking.Commands;

/// <summary>Runs one parsed bench invocation: loads the models, times them, runs the yardstick, writes the reports.</summary>
public static class BenchRunner
{
    /// <summary>Goal for our UNet forward vs diffusers' default attention on PyTorch (issue 12).</summary>
    public const double UNetGoalVsDefault = 0.6;

    /// <summary>Goal vs diffusers with attention slicing: faster, i.e. a ratio below 1.</summary>
    public const double UNetGoalVsSliced = 1.0;

    /// <summary>Goal for the service overhead: through four processes at most 3% slower than in one.</summary>
    public const double ServiceGoal = 1.03;

    /// <summary>Goal for bf16: the image within 30 dB PSNR of fp32.</summary>
    public const double Bf16PsnrGoalDb = 30.0;

    /// <summary>Runs the benchmark, writes the requested files and returns the report.</summary>
    public static async Task<BenchmarkReport> RunAsync(BenchOptions options, IBenchModelProvider provider, IServiceBenchmark? service,
        Action<string> log, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(provider);
        ArgumentNullException.ThrowIfNull(log);
        var started = DateTimeOffset.UtcNow;
        provider.SetThreads(options.Threads);
        var engine = provider.DescribeEngine(options.Source);
        var machine = MachineDescription.Capture(engine.Threads, engine.Version, engine.BuildInfo, engine.Gpu);
        var settings = new Dictionary<string, string>
        {
            ["model"] = options.Source.Name,
            ["device"] = options.Source.Device,
            ["dtype"] = options.Source.DType,
            ["threads"] = engine.Threads.ToString(CultureInfo.InvariantCulture),
        };
        string label = $"{options.Source.RandomArchitecture ?? options.Source.Name} {options.Source.DType}";
        var results = new List<BenchmarkResult>();
        var comparisons = new List<Comparison>();
        var notes = new List<string>();
        log($"bench {options.Kind}: {options.Source.Name}, {options.Source.Device} {options.Source.DType}, batch {options.Run.Batch}, " +
            $"{options.Run.ImageSize}px, {engine.Threads} threads, load average {string.Join(" ", machine.LoadAverage)}");

        switch (options.Kind)
        {
            case "unet":
                await RunUNetAsync(options, provider, engine, settings, label, results, comparisons, notes, log, cancellationToken).ConfigureAwait(false);
                break;
            case "text-encoder":
                using (var encoder = Owned(provider.LoadTextEncoder(options.Source)))
                    results.Add(ComponentBenchmarks.TextEncoder(encoder.Model, options.Run, $"{label} text encoder", settings, log));
                break;
            case "vae-decode":
                using (var vae = Owned(provider.LoadVae(options.Source)))
                    results.Add(ComponentBenchmarks.VaeDecode(vae.Model, options.Run, $"{label} VAE decode", settings, log));
                break;
            case "pipeline":
                await RunPipelineAsync(options, provider, settings, label, results, comparisons, notes, log, cancellationToken).ConfigureAwait(false);
                break;
            case "service":
                if (service is null)
                    throw new InvalidOperationException("this host has no service benchmark (run it from the diffusion CLI, which starts the services)");
                var inProcess = await InProcessPipelineAsync(options, options.Source, provider, settings, $"{label} in-process", log, cancellationToken).ConfigureAwait(false);
                results.Add(inProcess.Result);
                var remote = await service.RunAsync(options, log, cancellationToken).ConfigureAwait(false);
                results.Add(remote);
                comparisons.Add(Comparison.Of("services / in-process", remote, inProcess.Result, ServiceGoal));
                break;
            case "concurrency":
                using (var unet = Owned(provider.LoadUNet(options.Source)))
                {
                    results.AddRange(await PipelineBenchmarks.ConcurrencyAsync(unet.Model, provider.LoadSchedulerConfig(options.Source), provider.NoiseSources,
                        options.Requests, options.Run, label, settings, log, cancellationToken).ConfigureAwait(false));
                }
                comparisons.Add(Comparison.Of("step-batched / sequential (time for all requests)", results[^1], results[^2]));
                break;
            default:
                throw new ArgumentException($"unknown benchmark kind '{options.Kind}'");
        }

        notes.Add($"load average at the end: {string.Join(" / ", MachineDescription.CurrentLoadAverage().Select(v => v.ToString("F2", CultureInfo.InvariantCulture)))}");
        var report = new BenchmarkReport
        {
            Command = options.CommandLine,
            StartedUtc = started,
            Machine = machine,
            Results = results,
            Comparisons = comparisons,
            Notes = notes,
        };
        if (options.JsonPath is not null)
            ReportJson.Write(report, options.JsonPath);
        if (options.SvgPath is not null)
            SvgBarChart.Write(options.SvgPath, $"bench {options.Kind}: {options.Source.Name}, {options.Source.DType}, {machine.CpuModel}", results);
        if (options.MarkdownPath is not null)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(options.MarkdownPath))!);
            File.WriteAllText(options.MarkdownPath, MarkdownTable.Render(report));
        }
        return report;
    }

    private static async Task RunUNetAsync(BenchOptions options, IBenchModelProvider provider, EngineInfo engine, Dictionary<string, string> settings,
        string label, List<BenchmarkResult> results, List<Comparison> comparisons, List<string> notes, Action<string> log, CancellationToken ct)
    {
        // Ours first, then the model is freed before the Python process builds its own copy: never two
        // full-size UNets (and two busy thread pools) at once on a shared machine.
        BenchmarkResult ours;
        using (var unet = provider.LoadUNetForward(options.Source, options.Run.UNetRows, options.Run.LatentSize))
            ours = ComponentBenchmarks.UNet(unet, options.Run, $"{label} engine", settings, log);
        results.Add(ours);
        GC.Collect();

        if (!options.Yardstick)
            return;
        if (!PythonYardstick.IsAvailable(out var reason))
        {
            notes.Add("yardstick skipped: " + reason);
            log("yardstick skipped: " + reason);
            return;
        }
        string? tempFolder = null;
        try
        {
            string config = options.Source.ConfigPathFor("unet") ?? ModelConfigs.WriteTo(
                tempFolder = Path.Combine(Path.GetTempPath(), "diffusion-bench-" + Guid.NewGuid().ToString("N")), options.Source.RandomArchitecture!, "unet");
            // The yardstick always builds random weights: speed does not depend on their values.
            var request = new YardstickRequest(config, options.YardstickAttention, options.Run.UNetRows, options.Run.LatentSize, 77,
                options.Run.Warmup, options.Run.Iterations, engine.Threads, options.Source.DType, options.Source.Device);
            log($"yardstick: PyTorch, attention {string.Join(", ", options.YardstickAttention)}");
            var yard = await PythonYardstick.RunAsync(request, line => log("  [pytorch] " + line), ct).ConfigureAwait(false);
            if (ours.Settings.TryGetValue("parameters", out var ourCount) && ourCount != yard.Parameters.ToString(CultureInfo.InvariantCulture))
                notes.Add($"WARNING: parameter counts differ: engine {ourCount}, yardstick {yard.Parameters}; not the same architecture");
            else
                notes.Add($"same architecture on both sides: {yard.Parameters:N0} parameters");
            foreach (var timing in yard.Results)
            {
                var r = BenchmarkResult.FromTimes("unet", $"pytorch-{timing.Attention}", $"{label} PyTorch {yard.TorchVersion} {timing.Attention} attention",
                    timing.TimesMs, timing.Warmup, yard.PeakRssMb,
                    ComponentBenchmarks.Merge(settings, options.Run.Describe(),
                        ("rows", options.Run.UNetRows.ToString(CultureInfo.InvariantCulture)),
                        ("threads", yard.TorchThreads.ToString(CultureInfo.InvariantCulture)),
                        ("reference", "diffusers 0.27.2 UNet2DConditionModel (benchmarks/yardstick/sd_unet.py)")));
                results.Add(r);
                double? goal = timing.Attention switch { "default" => UNetGoalVsDefault, "sliced" => UNetGoalVsSliced, _ => null };
                comparisons.Add(Comparison.Of($"engine / pytorch {timing.Attention}", ours, r, goal));
            }
        }
        finally
        {
            if (tempFolder is not null)
                Directory.Delete(tempFolder, recursive: true);
        }
    }

    private static async Task RunPipelineAsync(BenchOptions options, IBenchModelProvider provider, Dictionary<string, string> settings, string label,
        List<BenchmarkResult> results, List<Comparison> comparisons, List<string> notes, Action<string> log, CancellationToken ct)
    {
        var run = await InProcessPipelineAsync(options, options.Source, provider, settings, $"{label} pipeline", log, ct).ConfigureAwait(false);
        if (!(options.CompareF32 && options.Source.DType != "f32"))
        {
            results.Add(run.Result);
            return;
        }
        var f32Source = options.Source with { DType = "f32" };
        var f32Options = options with { Run = options.Run with { Warmup = 0, Iterations = 1 } };
        var reference = await InProcessPipelineAsync(f32Options, f32Source, provider, new Dictionary<string, string>(settings) { ["dtype"] = "f32" },
            $"{options.Source.RandomArchitecture ?? options.Source.Name} f32 pipeline", log, ct).ConfigureAwait(false);
        double psnr = PipelineBenchmarks.Psnr(run.Image, reference.Image);
        results.Add(run.Result with { Values = new Dictionary<string, double>(run.Result.Values) { ["psnr_db_vs_f32"] = psnr } });
        results.Add(reference.Result);
        comparisons.Add(Comparison.Of($"{options.Source.DType} / f32", run.Result, reference.Result));
        notes.Add(string.Create(CultureInfo.InvariantCulture, $"{options.Source.DType} image PSNR vs f32: {psnr:F2} dB (goal >= {Bf16PsnrGoalDb} dB: {(psnr >= Bf16PsnrGoalDb ? "met" : "not met")})"));
    }

    private static async Task<(BenchmarkResult Result, float[] Image)> InProcessPipelineAsync(BenchOptions options, ModelSource source,
        IBenchModelProvider provider, IReadOnlyDictionary<string, string> settings, string label, Action<string> log, CancellationToken ct)
    {
        using var encoder = Owned(provider.LoadTextEncoder(source));
        using var unet = Owned(provider.LoadUNet(source));
        using var vae = Owned(provider.LoadVae(source));
        using var pipeline = new StableDiffusionPipeline(encoder.Model, unet.Model, vae.Model, provider.LoadSchedulerConfig(source), provider.NoiseSources);
        return await PipelineBenchmarks.PipelineAsync(pipeline, options.Run, label, settings, log, ct).ConfigureAwait(false);
    }

    private static OwnedModel<T> Owned<T>(T model) where T : class => new(model);

    /// <summary>Disposes a loaded model at the end of a using block when it is disposable.</summary>
    private readonly struct OwnedModel<T>(T model) : IDisposable where T : class
    {
        public T Model { get; } = model;

        public void Dispose() => (Model as IDisposable)?.Dispose();
    }
}
