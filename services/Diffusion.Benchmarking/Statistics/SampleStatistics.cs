namespace Diffusion.Benchmarking.Statistics;

/// <summary>Summary of timed iterations (all values in milliseconds).</summary>
/// <param name="MedianMs">Median; the mean of the two middle values for an even count.</param>
/// <param name="MinMs">Fastest iteration.</param>
/// <param name="MaxMs">Slowest iteration.</param>
/// <param name="MeanMs">Arithmetic mean.</param>
/// <param name="StdDevMs">Sample standard deviation (n - 1); 0 for a single iteration.</param>
/// <param name="SpreadPercent">(max - min) / median * 100: how far apart the iterations were.</param>
/// <param name="Iterations">Number of timed iterations (warm-up excluded).</param>
public sealed record SampleStatistics(
    double MedianMs, double MinMs, double MaxMs, double MeanMs, double StdDevMs, double SpreadPercent, int Iterations)
{
    /// <summary>Summarizes <paramref name="samplesMs"/> (at least one value, each finite and >= 0).</summary>
    public static SampleStatistics From(IReadOnlyList<double> samplesMs)
    {
        ArgumentNullException.ThrowIfNull(samplesMs);
        if (samplesMs.Count == 0)
            throw new ArgumentException("at least one timed iteration is needed", nameof(samplesMs));
        foreach (var s in samplesMs)
        {
            if (!double.IsFinite(s) || s < 0)
                throw new ArgumentException($"sample {s} is not a finite non-negative time", nameof(samplesMs));
        }

        var sorted = samplesMs.Order().ToArray();
        int n = sorted.Length;
        double median = n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0;
        double mean = sorted.Average();
        double variance = n > 1 ? sorted.Sum(s => (s - mean) * (s - mean)) / (n - 1) : 0.0;
        double spread = median > 0 ? (sorted[^1] - sorted[0]) / median * 100.0 : 0.0;
        return new SampleStatistics(median, sorted[0], sorted[^1], mean, Math.Sqrt(variance), spread, n);
    }
}
