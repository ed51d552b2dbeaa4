namespace Diffusion.Benchmarking.Reporting;

/// <summary>A ratio of two results' medians measured side by side (result / baseline), with an optional goal.</summary>
/// <param name="Name">What the ratio means, e.g. "engine / pytorch-default".</param>
/// <param name="Result">Label of the measured result (numerator).</param>
/// <param name="Baseline">Label of the baseline (denominator).</param>
/// <param name="Ratio">result median / baseline median (below 1: faster than the baseline).</param>
/// <param name="Goal">The largest acceptable ratio, or null when there is no goal.</param>
public sealed record Comparison(string Name, string Result, string Baseline, double Ratio, double? Goal)
{
    /// <summary>Whether <see cref="Ratio"/> is within <see cref="Goal"/>; null without a goal.</summary>
    public bool? GoalMet => Goal is { } g ? Ratio <= g : null;

    /// <summary>Compares two results by median time.</summary>
    public static Comparison Of(string name, BenchmarkResult result, BenchmarkResult baseline, double? goal = null)
    {
        ArgumentNullException.ThrowIfNull(result);
        ArgumentNullException.ThrowIfNull(baseline);
        if (baseline.MedianMs <= 0)
            throw new ArgumentException("baseline median must be positive", nameof(baseline));
        return new Comparison(name, result.Label, baseline.Label, result.MedianMs / baseline.MedianMs, goal);
    }
}
