using System.Diagnostics.Metrics;
using Diffusion.ServiceDefaults.Telemetry;
using Microsoft.Extensions.DependencyInjection;

namespace Diffusion.ServiceDefaults.Tests.Telemetry;

/// <summary>The instruments themselves, observed in process with a MeterListener.</summary>
public sealed class DiffusionMetricsTests : IDisposable
{
    private readonly ServiceProvider _services = new ServiceCollection().AddMetrics().BuildServiceProvider();

    [Fact]
    public void RegisterDeviceMemoryObserver_TwoObserversThenOneDisposed_OnlyRemainingOneReports()
    {
        var metrics = new DiffusionMetrics(_services.GetRequiredService<IMeterFactory>());
        var first = metrics.RegisterDeviceMemoryObserver(() => [new DeviceMemoryUsage("cuda:0", 100)]);
        using var second = metrics.RegisterDeviceMemoryObserver(() => [new DeviceMemoryUsage("cuda:1", 200), new DeviceMemoryUsage("cuda:2", 300)]);

        Assert.Equal(["cuda:0=100", "cuda:1=200", "cuda:2=300"], ObserveDeviceMemory(metrics));

        first.Dispose();
        first.Dispose();

        Assert.Equal(["cuda:1=200", "cuda:2=300"], ObserveDeviceMemory(metrics));
    }

    [Fact]
    public void AddImagesGenerated_NegativeCount_Throws()
    {
        var metrics = new DiffusionMetrics(_services.GetRequiredService<IMeterFactory>());

        Assert.Throws<ArgumentOutOfRangeException>(() => metrics.AddImagesGenerated(-1));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-2)]
    public void RecordBatchSize_NotPositive_Throws(int size)
    {
        var metrics = new DiffusionMetrics(_services.GetRequiredService<IMeterFactory>());

        Assert.Throws<ArgumentOutOfRangeException>(() => metrics.RecordBatchSize(size));
    }

    public void Dispose() => _services.Dispose();

    private List<string> ObserveDeviceMemory(DiffusionMetrics metrics)
    {
        var observed = new List<string>();
        var factory = _services.GetRequiredService<IMeterFactory>();
        using var listener = new MeterListener
        {
            // Only this test's meter: others in the process may have the same name.
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Scope == factory && instrument.Name == DiffusionMetrics.DeviceMemoryUsedName)
                {
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
        {
            var device = tags.ToArray().Single(t => t.Key == DiffusionTags.Device).Value;
            observed.Add($"{device}={value}");
        });
        listener.Start();
        listener.RecordObservableInstruments();
        GC.KeepAlive(metrics);
        return observed;
    }
}
