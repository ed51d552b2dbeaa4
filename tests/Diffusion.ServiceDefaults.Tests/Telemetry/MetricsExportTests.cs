using Diffusion.ServiceDefaults.Telemetry;
using Diffusion.ServiceDefaults.Tests.Support;
using Diffusion.Testing.Otlp;
using Microsoft.Extensions.DependencyInjection;

namespace Diffusion.ServiceDefaults.Tests.Telemetry;

public sealed class MetricsExportTests
{
    private const string DenoiserService = "diffusion.v1.Denoiser";

    [Theory]
    [InlineData(OtlpSettings.Grpc)]
    [InlineData(OtlpSettings.HttpProtobuf)]
    public async Task ForceFlush_EveryDiffusionInstrumentRecorded_ReceiverDecodesValues(string protocol)
    {
        await using var receiver = await OtlpReceiver.StartAsync();
        using var host = TestHosts.CreateHost("denoiser", OtlpSettings.For(receiver, protocol));
        await host.StartAsync();
        var metrics = host.Services.GetRequiredService<DiffusionMetrics>();

        metrics.RecordStepDuration(12.5, "EulerDiscreteScheduler");
        metrics.RecordStepDuration(30, "EulerDiscreteScheduler");
        metrics.RecordStepDuration(700, "EulerDiscreteScheduler");
        metrics.AddImagesGenerated(2);
        metrics.AddImagesGenerated(3);
        metrics.IncrementQueueDepth();
        metrics.IncrementQueueDepth();
        metrics.IncrementQueueDepth();
        metrics.DecrementQueueDepth();
        metrics.RecordBatchSize(4);
        metrics.RecordBatchSize(4);
        metrics.RecordBatchSize(8);
        metrics.RecordRequest(DenoiserService, "Denoise", grpcStatusCode: 0);
        metrics.RecordRequest(DenoiserService, "Denoise", grpcStatusCode: 0);
        metrics.RecordRequest(DenoiserService, "Denoise", grpcStatusCode: 4);
        using var observer = metrics.RegisterDeviceMemoryObserver(() => [new DeviceMemoryUsage("cuda:0", 1_234_567_890)]);

        Assert.True(host.Telemetry().ForceFlush(OtlpSettings.FlushTimeout));

        var points = receiver.MetricPoints.Where(p => p.ScopeName == DiffusionMetrics.MeterName).ToArray();
        Assert.All(points, p => Assert.Equal("denoiser", p.ServiceName));

        var step = Assert.Single(points, p => p.MetricName == DiffusionMetrics.StepDurationName);
        Assert.Equal(OtlpMetricType.Histogram, step.Type);
        Assert.Equal("ms", step.Unit);
        Assert.Equal(OtlpAggregationTemporality.Cumulative, step.Temporality);
        Assert.Equal(3UL, step.Count);
        Assert.Equal(742.5, step.Sum);
        Assert.Equal(12.5, step.Min);
        Assert.Equal(700, step.Max);
        Assert.Equal("EulerDiscreteScheduler", step.Attributes[DiffusionTags.Scheduler]);
        // The instrument's bucket advice, not the SDK default: 12.5 in (10, 20], 30 in (20, 50],
        // 700 in (500, 1000].
        Assert.Equal([1.0, 2, 5, 10, 20, 50, 100, 200, 500, 1_000, 2_000, 5_000, 10_000, 20_000, 60_000], step.ExplicitBounds);
        Assert.Equal([0UL, 0, 0, 0, 1, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0], step.BucketCounts);

        var images = Assert.Single(points, p => p.MetricName == DiffusionMetrics.ImagesGeneratedName);
        Assert.Equal(OtlpMetricType.Sum, images.Type);
        Assert.True(images.IsMonotonic);
        Assert.Equal("{image}", images.Unit);
        Assert.Equal(5L, images.LongValue);

        var queue = Assert.Single(points, p => p.MetricName == DiffusionMetrics.QueueDepthName);
        Assert.Equal(OtlpMetricType.Sum, queue.Type);
        Assert.False(queue.IsMonotonic);
        Assert.Equal(2L, queue.LongValue);

        var batch = Assert.Single(points, p => p.MetricName == DiffusionMetrics.BatchSizeName);
        Assert.Equal(OtlpMetricType.Histogram, batch.Type);
        Assert.Equal(3UL, batch.Count);
        Assert.Equal(16, batch.Sum);
        Assert.Equal([1.0, 2, 4, 8, 16, 32, 64], batch.ExplicitBounds);
        Assert.Equal([0UL, 0, 2, 1, 0, 0, 0, 0], batch.BucketCounts);

        var requests = points.Where(p => p.MetricName == DiffusionMetrics.RequestsName)
            .ToDictionary(p => (long)p.Attributes[DiffusionTags.RpcGrpcStatusCode]!);
        Assert.Equal(2, requests.Count);
        Assert.Equal(2L, requests[0].LongValue);
        Assert.Equal(1L, requests[4].LongValue);
        Assert.All(requests.Values, p =>
        {
            Assert.Equal("grpc", p.Attributes[DiffusionTags.RpcSystem]);
            Assert.Equal(DenoiserService, p.Attributes[DiffusionTags.RpcService]);
            Assert.Equal("Denoise", p.Attributes[DiffusionTags.RpcMethod]);
        });

        var memory = Assert.Single(points, p => p.MetricName == DiffusionMetrics.DeviceMemoryUsedName);
        Assert.Equal(OtlpMetricType.Gauge, memory.Type);
        Assert.Equal("By", memory.Unit);
        Assert.Equal(1_234_567_890L, memory.LongValue);
        Assert.Equal("cuda:0", memory.Attributes[DiffusionTags.Device]);

        var expectedTransport = protocol == OtlpSettings.Grpc ? OtlpTransport.Grpc : OtlpTransport.HttpProtobuf;
        Assert.All(receiver.Exports, e => Assert.Equal(expectedTransport, e.Transport));
    }

    [Fact]
    public async Task Create_ShortMetricExportInterval_PointsArriveWithoutForceFlush()
    {
        await using var receiver = await OtlpReceiver.StartAsync();
        using var host = TestHosts.CreateHost(
            "gateway",
            OtlpSettings.For(receiver, OtlpSettings.HttpProtobuf),
            options => options.MetricExportInterval = TimeSpan.FromMilliseconds(100));
        await host.StartAsync();

        host.Services.GetRequiredService<DiffusionMetrics>().AddImagesGenerated(4);

        // The SDK default interval is 60 s.
        var points = await receiver.WaitForMetricPointsAsync(
            p => p.MetricName == DiffusionMetrics.ImagesGeneratedName && p.LongValue == 4,
            timeout: TimeSpan.FromSeconds(5));
        Assert.Equal("gateway", points[0].ServiceName);
    }
}
