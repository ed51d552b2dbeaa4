using System.Text.Json.Serialization;
using Diffusion.Benchmarking.Statistics;

namespace Diffusion.Benchmarking.Reporting;

/// <summary>One measured configuration: what ran, on which implementation, and its timings.</summary>
public sealed record BenchmarkResult
{
    /// <summary>Benchmark kind: unet, text-encoder, vae-decode, pipeline, service, concurrency.</summary>
    public required string Benchmark { get; init; }

    /// <summary>What produced the numbers, e.g. "diffusion-torch" or "pytorch-default".</summary>
    public required string Implementation { get; init; }

    /// <summary>Short label for tables and charts.</summary>
    public required string Label { get; init; }

    /// <summary>Timing summary of <see cref="TimesMs"/>.</summary>
    [JsonIgnore]
    public SampleStatistics Statistics => SampleStatistics.From(TimesMs);

    /// <summary>Every timed iteration in milliseconds, in run order.</summary>
    public required IReadOnlyList<double> TimesMs { get; init; }

    /// <summary>Untimed warm-up iterations run first.</summary>
    public required int Warmup { get; init; }

    /// <summary>Peak resident set size (VmHWM) of the process that ran it, in MiB; null where unknown.</summary>
    public double? PeakRssMb { get; init; }

    /// <summary>Settings that define the run (model, dtype, batch, size, ...), as strings.</summary>
    public IReadOnlyDictionary<string, string> Settings { get; init; } = new Dictionary<string, string>();

    /// <summary>Extra measured values, e.g. images_per_second or psnr_db.</summary>
    public IReadOnlyDictionary<string, double> Values { get; init; } = new Dictionary<string, double>();

    /// <summary>Median in milliseconds.</summary>
    public double MedianMs => Statistics.MedianMs;

    /// <summary>Fastest iteration in milliseconds.</summary>
    public double MinMs => Statistics.MinMs;

    /// <summary>Slowest iteration in milliseconds.</summary>
    public double MaxMs => Statistics.MaxMs;

    /// <summary>Mean in milliseconds.</summary>
    public double MeanMs => Statistics.MeanMs;

    /// <summary>Sample standard deviation in milliseconds.</summary>
    public double StddevMs => Statistics.StdDevMs;

    /// <summary>(max - min) / median in percent.</summary>
    public double SpreadPercent => Statistics.SpreadPercent;

    /// <summary>Timed iterations.</summary>
    public int Iters => Statistics.Iterations;

    /// <summary>Builds a result from raw timings.</summary>
    public static BenchmarkResult FromTimes(
        string benchmark, string implementation, string label, IReadOnlyList<double> timesMs, int warmup, double? peakRssMb,
        IReadOnlyDictionary<string, string>? settings = null, IReadOnlyDictionary<string, double>? values = null)
    {
        _ = SampleStatistics.From(timesMs); // rejects empty, negative or non-finite timings up front
        return new()
        {
            Benchmark = benchmark,
            Implementation = implementation,
            Label = label,
            TimesMs = timesMs.ToArray(),
            Warmup = warmup,
            PeakRssMb = peakRssMb,
            Settings = settings ?? new Dictionary<string, string>(),
            Values = values ?? new Dictionary<string, double>(),
        };
    }
}
