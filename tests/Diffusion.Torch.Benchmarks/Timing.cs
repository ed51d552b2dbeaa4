using System.Diagnostics;

namespace Diffusion.Torch.Benchmarks;

/// <summary>Wall-clock samples of one case after warm-up, in milliseconds.</summary>
public sealed record Timing(double[] SamplesMs)
{
    /// <summary>For the fused attention: max |fused - math| / max |v| on the benchmark's inputs.</summary>
    public double? MaxRelativeError { get; init; }

    /// <summary>Median sample (ms).</summary>
    public double MedianMs => Percentile(0.5);

    /// <summary>Fastest sample (ms).</summary>
    public double MinMs => SamplesMs.Min();

    /// <summary>Slowest sample (ms).</summary>
    public double MaxMs => SamplesMs.Max();

    /// <summary>Runs <paramref name="body"/> <paramref name="warmup"/> times untimed, then
    /// <paramref name="iters"/> times timed.</summary>
    public static Timing Measure(Action body, int warmup, int iters)
    {
        for (int i = 0; i < warmup; i++) body();
        var samples = new double[iters];
        for (int i = 0; i < iters; i++)
        {
            long start = Stopwatch.GetTimestamp();
            body();
            samples[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        }
        return new Timing(samples);
    }

    /// <summary>All samples of several measurements of the same case as one (the worst fused-attention
    /// error among them kept).</summary>
    public static Timing Pool(IReadOnlyList<Timing> parts) =>
        new(parts.SelectMany(t => t.SamplesMs).ToArray()) { MaxRelativeError = parts.Max(t => t.MaxRelativeError) };

    private double Percentile(double p)
    {
        var sorted = SamplesMs.Order().ToArray();
        double rank = p * (sorted.Length - 1);
        int lo = (int)Math.Floor(rank), hi = (int)Math.Ceiling(rank);
        return sorted[lo] + (sorted[hi] - sorted[lo]) * (rank - lo);
    }
}
