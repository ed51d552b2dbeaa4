using Diffusion.Benchmarking.Statistics;

namespace Diffusion.Benchmarking.Tests;

public class SampleStatisticsTests
{
    [Fact]
    public void From_OddCount_MedianIsMiddleValue()
    {
        var s = SampleStatistics.From([30.0, 10.0, 20.0]);

        Assert.Equal(20.0, s.MedianMs);
        Assert.Equal(10.0, s.MinMs);
        Assert.Equal(30.0, s.MaxMs);
        Assert.Equal(20.0, s.MeanMs);
        Assert.Equal(10.0, s.StdDevMs, 10);
        Assert.Equal(100.0, s.SpreadPercent, 10);
        Assert.Equal(3, s.Iterations);
    }

    [Fact]
    public void From_EvenCount_MedianIsMeanOfMiddlePair()
    {
        var s = SampleStatistics.From([4.0, 1.0, 3.0, 2.0]);

        Assert.Equal(2.5, s.MedianMs);
        Assert.Equal(120.0, s.SpreadPercent, 10);
    }

    [Fact]
    public void From_SingleSample_ZeroSpreadAndDeviation()
    {
        var s = SampleStatistics.From([42.0]);

        Assert.Equal(42.0, s.MedianMs);
        Assert.Equal(0.0, s.StdDevMs);
        Assert.Equal(0.0, s.SpreadPercent);
    }

    [Theory]
    [InlineData(double.NaN)]
    [InlineData(-1.0)]
    [InlineData(double.PositiveInfinity)]
    public void From_InvalidSample_Throws(double bad) =>
        Assert.Throws<ArgumentException>(() => SampleStatistics.From([1.0, bad]));

    [Fact]
    public void From_Empty_Throws() =>
        Assert.Throws<ArgumentException>(() => SampleStatistics.From([]));

    [Fact]
    public void Measure_WarmupAndIterations_TimesOnlyTimedRuns()
    {
        int calls = 0;
        var seen = new List<bool>();

        var times = IterationTimer.Measure(() => calls++, warmup: 2, iterations: 3, (_, warm, _) => seen.Add(warm));

        Assert.Equal(5, calls);
        Assert.Equal(3, times.Count);
        Assert.Equal([true, true, false, false, false], seen);
        Assert.All(times, t => Assert.True(t >= 0));
    }

    [Fact]
    public void Measure_SleepingAction_MeasuresAtLeastTheSleep()
    {
        var times = IterationTimer.Measure(() => Thread.Sleep(20), warmup: 0, iterations: 1);

        Assert.InRange(times[0], 19.0, 5000.0);
    }
}
