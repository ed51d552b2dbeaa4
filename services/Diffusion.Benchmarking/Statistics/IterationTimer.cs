using System.Diagnostics;

namespace Diffusion.Benchmarking.Statistics;

/// <summary>Runs an action for warm-up, then times each further run with a monotonic clock.</summary>
public static class IterationTimer
{
    /// <summary>Calls <paramref name="action"/> <paramref name="warmup"/> times untimed, then
    /// <paramref name="iterations"/> times timed; returns the timed durations in milliseconds.
    /// <paramref name="onIteration"/> (optional) sees each run: (index, isWarmup, milliseconds).</summary>
    public static IReadOnlyList<double> Measure(
        Action action, int warmup, int iterations, Action<int, bool, double>? onIteration = null)
    {
        ArgumentNullException.ThrowIfNull(action);
        ArgumentOutOfRangeException.ThrowIfNegative(warmup);
        ArgumentOutOfRangeException.ThrowIfLessThan(iterations, 1);
        var times = new List<double>(iterations);
        for (int i = 0; i < warmup + iterations; i++)
        {
            long start = Stopwatch.GetTimestamp();
            action();
            double ms = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
            bool isWarmup = i < warmup;
            onIteration?.Invoke(i, isWarmup, ms);
            if (!isWarmup)
                times.Add(ms);
        }
        return times;
    }

    /// <summary>Async form of <see cref="Measure"/> for end-to-end runs (pipelines, services).</summary>
    public static async Task<IReadOnlyList<double>> MeasureAsync(
        Func<CancellationToken, Task> action, int warmup, int iterations,
        Action<int, bool, double>? onIteration, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(action);
        ArgumentOutOfRangeException.ThrowIfNegative(warmup);
        ArgumentOutOfRangeException.ThrowIfLessThan(iterations, 1);
        var times = new List<double>(iterations);
        for (int i = 0; i < warmup + iterations; i++)
        {
            long start = Stopwatch.GetTimestamp();
            await action(cancellationToken).ConfigureAwait(false);
            double ms = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
            bool isWarmup = i < warmup;
            onIteration?.Invoke(i, isWarmup, ms);
            if (!isWarmup)
                times.Add(ms);
        }
        return times;
    }
}
