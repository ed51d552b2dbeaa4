using System.Diagnostics;
using System.Globalization;
using Diffusion.Benchmarking.Machine;
using Diffusion.Benchmarking.Reporting;
using Diffusion.Benchmarking.Statistics;
using Diffusion.Pipelines.Denoising;
using Diffusion.Pipelines.Generation;
using Diffusion.Pipelines.Models;
using Diffusion.Schedulers;

namespace Diffusion.Benchmarking.Runners;

/// <summary>End-to-end timings: the in-process txt2img pipeline, and step-level batching of concurrent requests.</summary>
public static class PipelineBenchmarks
{
    /// <summary>The txt2img request every end-to-end benchmark runs (seed 0, guidance 7.5). <paramref name="run"/> numbers the
    /// prompt, so that repeated runs encode a new prompt each time (the TextEncoder service caches encodings; the in-process
    /// pipeline does not) and both sides do the same work.</summary>
    public static GenerationRequest Request(RunOptions options, int run = 0) => new()
    {
        Prompts = [$"{ComponentBenchmarks.Prompt}, take {run}"],
        NumImages = options.Batch,
        Steps = options.Steps,
        GuidanceScale = options.Guidance ? 7.5f : 1f,
        Width = options.ImageSize,
        Height = options.ImageSize,
        Seed = 0,
    };

    /// <summary>Times <see cref="StableDiffusionPipeline.GenerateAsync"/> (text encoding, denoising loop, VAE decode) in
    /// this process. Returns the result and the last generated image (F32 NHWC in [0, 1]).</summary>
    public static async Task<(BenchmarkResult Result, float[] Image)> PipelineAsync(
        StableDiffusionPipeline pipeline, RunOptions options, string label, IReadOnlyDictionary<string, string> settings,
        Action<string>? log, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(pipeline);
        int run = 0;
        float[] image = [];
        var times = await IterationTimer.MeasureAsync(
            async ct => image = (await pipeline.GenerateAsync(Request(options, run++), null, ct).ConfigureAwait(false)).Image,
            options.Warmup, options.Iterations, ComponentBenchmarks.Progress(log, "pipeline"), cancellationToken).ConfigureAwait(false);
        var result = BenchmarkResult.FromTimes("pipeline", "diffusion-torch", label, times, options.Warmup, PeakMemory.CurrentProcessMb(),
            ComponentBenchmarks.Merge(settings, options.Describe(), ("steps", options.Steps.ToString(CultureInfo.InvariantCulture))),
            new Dictionary<string, double> { ["images_per_second"] = options.Batch / (SampleStatistics.From(times).MedianMs / 1000.0) });
        return (result, image);
    }

    /// <summary>Denoises <paramref name="requests"/> single-image requests through <see cref="DenoiseEngine"/> twice: one at a
    /// time (MaxActiveJobs 1), then all submitted at once with step-level batching (MaxActiveJobs = requests). Each pass is
    /// timed <see cref="RunOptions.Iterations"/> times; values hold images/s of both and their ratio.</summary>
    public static async Task<IReadOnlyList<BenchmarkResult>> ConcurrencyAsync(
        IUNetModel unet, SchedulerConfig schedulerConfig, INoiseSourceFactory noise, int requests, RunOptions options, string label,
        IReadOnlyDictionary<string, string> settings, Action<string>? log, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(unet);
        ArgumentOutOfRangeException.ThrowIfLessThan(requests, 1);
        int rowsPerRequest = options.Guidance ? 2 : 1;
        var specs = Enumerable.Range(0, requests).Select(i => Spec(unet.Info, options, seed: i)).ToArray();
        var common = ComponentBenchmarks.Merge(settings, options.Describe(),
            ("steps", options.Steps.ToString(CultureInfo.InvariantCulture)), ("requests", requests.ToString(CultureInfo.InvariantCulture)));

        using var serialEngine = new DenoiseEngine(unet, new DenoiseEngineOptions { MaxActiveJobs = 1, MaxBatchRows = rowsPerRequest, QueueCapacity = requests });
        var serial = await IterationTimer.MeasureAsync(
            async ct =>
            {
                foreach (var spec in specs)
                    await RunAsync(serialEngine, [spec], schedulerConfig, noise, unet.Info.InChannels, ct).ConfigureAwait(false);
            },
            options.Warmup, options.Iterations, ComponentBenchmarks.Progress(log, "sequential"), cancellationToken).ConfigureAwait(false);

        using var batchedEngine = new DenoiseEngine(unet, new DenoiseEngineOptions
        {
            MaxActiveJobs = requests, MaxBatchRows = requests * rowsPerRequest, QueueCapacity = requests,
        });
        var batched = await IterationTimer.MeasureAsync(
            ct => RunAsync(batchedEngine, specs, schedulerConfig, noise, unet.Info.InChannels, ct),
            options.Warmup, options.Iterations, ComponentBenchmarks.Progress(log, "concurrent"), cancellationToken).ConfigureAwait(false);

        double serialRate = requests / (SampleStatistics.From(serial).MedianMs / 1000.0);
        double batchedRate = requests / (SampleStatistics.From(batched).MedianMs / 1000.0);
        double? rss = PeakMemory.CurrentProcessMb();
        return
        [
            BenchmarkResult.FromTimes("concurrency", "sequential", $"{label} {requests} one at a time", serial, options.Warmup, rss, common,
                new Dictionary<string, double> { ["images_per_second"] = serialRate }),
            BenchmarkResult.FromTimes("concurrency", "step-batched", $"{label} {requests} concurrent", batched, options.Warmup, rss, common,
                new Dictionary<string, double> { ["images_per_second"] = batchedRate, ["speedup_vs_sequential"] = batchedRate / serialRate }),
        ];
    }

    /// <summary>Peak signal-to-noise ratio of two images with values in [0, 1]: 10 log10(1 / MSE), in dB
    /// (+infinity for identical images).</summary>
    public static double Psnr(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        if (a.Length != b.Length || a.Length == 0)
            throw new ArgumentException($"images differ in size ({a.Length} vs {b.Length}) or are empty");
        double sum = 0;
        for (int i = 0; i < a.Length; i++)
        {
            double d = a[i] - b[i];
            sum += d * d;
        }
        double mse = sum / a.Length;
        return mse == 0 ? double.PositiveInfinity : 10.0 * Math.Log10(1.0 / mse);
    }

    private static DenoiseSpec Spec(UNetInfo info, RunOptions options, int seed)
    {
        const int tokens = 77;
        int dim = info.CrossAttentionDim;
        return new DenoiseSpec
        {
            Count = 1,
            LatentChannels = info.InChannels,
            LatentHeight = options.LatentSize,
            LatentWidth = options.LatentSize,
            Cond = GaussianData.Create(tokens * dim, seed: 100 + seed),
            Uncond = options.Guidance ? GaussianData.Create(tokens * dim, seed: 200 + seed) : null,
            SequenceLength = tokens,
            EmbeddingDim = dim,
            GuidanceScale = options.Guidance ? 7.5f : 1f,
            Steps = options.Steps,
            Seed = seed,
        };
    }

    private static async Task RunAsync(DenoiseEngine engine, IReadOnlyList<DenoiseSpec> specs, SchedulerConfig schedulerConfig,
        INoiseSourceFactory noise, int inChannels, CancellationToken cancellationToken)
    {
        var tasks = new List<Task>(specs.Count);
        foreach (var spec in specs)
        {
            var observer = new CompletionObserver();
            engine.Submit(new DenoiseJob(spec, SchedulerFactory.Create(null, schedulerConfig), noise, inChannels), observer, cancellationToken);
            tasks.Add(observer.Task);
        }
        await Task.WhenAll(tasks).WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    private sealed class CompletionObserver : IDenoiseObserver
    {
        private readonly TaskCompletionSource _done = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task Task => _done.Task;

        public void OnStep(DenoiseJob job, StepInfo step) => Debug.Assert(step.Step > 0);

        public void OnCompleted(DenoiseJob job) => _done.TrySetResult();

        public void OnFailed(DenoiseJob job, Exception error) => _done.TrySetException(error);
    }
}
