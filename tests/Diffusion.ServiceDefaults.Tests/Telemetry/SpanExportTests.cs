using System.Diagnostics;
using Diffusion.ServiceDefaults.Telemetry;
using Diffusion.ServiceDefaults.Tests.Support;
using Diffusion.Testing.Otlp;

namespace Diffusion.ServiceDefaults.Tests.Telemetry;

public sealed class SpanExportTests
{
    [Theory]
    [InlineData(OtlpSettings.Grpc)]
    [InlineData(OtlpSettings.HttpProtobuf)]
    public async Task ForceFlush_SpanWithEveryAttributeKind_ReceiverDecodesEachField(string protocol)
    {
        await using var receiver = await OtlpReceiver.StartAsync();
        using var telemetry = DiffusionTelemetry.Create(
            new DiffusionTelemetryOptions { ServiceName = "denoiser", ServiceVersion = "1.2.3" },
            OtlpSettings.Configuration(receiver, protocol));

        Activity parent;
        Activity step;
        using (parent = DiffusionActivitySources.Denoiser.StartActivity(DiffusionSpanNames.Denoise, ActivityKind.Server)!)
        {
            parent.SetTag(DiffusionTags.RpcSystem, DiffusionTags.RpcSystemGrpc);
            parent.SetTag(DiffusionTags.RpcService, "diffusion.v1.Denoiser");
            parent.SetTag(DiffusionTags.RpcMethod, "Denoise");
            parent.SetTag(DiffusionTags.RpcGrpcStatusCode, 0);
            using (step = DiffusionActivitySources.Denoiser.StartActivity(DiffusionSpanNames.DenoiseStep)!)
            {
                step.SetTag(DiffusionTags.StepIndex, 7);
                step.SetTag(DiffusionTags.StepTimestep, 761L);
                step.SetTag(DiffusionTags.StepSigma, 0.8125);
                step.SetTag(DiffusionTags.CacheHit, true);
                step.SetTag(DiffusionTags.Scheduler, "EulerDiscreteScheduler");
                step.SetTag("diffusion.test.prompts", new[] { "a cat", "a dog" });
                step.AddEvent(new ActivityEvent("unet.done", tags: new ActivityTagsCollection { [DiffusionTags.UNetMilliseconds] = 41.5 }));
                step.SetStatus(ActivityStatusCode.Error, "out of memory");
            }
        }

        Assert.True(telemetry.ForceFlush(OtlpSettings.FlushTimeout));

        var spans = receiver.Spans;
        Assert.Equal(2, spans.Count);
        var receivedParent = Assert.Single(spans, s => s.SpanId == parent.SpanId.ToHexString());
        var received = Assert.Single(spans, s => s.SpanId == step.SpanId.ToHexString());

        Assert.Equal(step.TraceId.ToHexString(), received.TraceId);
        Assert.Equal(parent.SpanId.ToHexString(), received.ParentSpanId);
        Assert.Equal(DiffusionSpanNames.DenoiseStep, received.Name);
        Assert.Equal(OtlpSpanKind.Internal, received.Kind);
        Assert.Equal(OtlpSpanKind.Server, receivedParent.Kind);
        Assert.Equal(DiffusionActivitySources.DenoiserName, received.ScopeName);

        // Timestamps are the Activity's, in Unix nanoseconds, to the 100 ns tick.
        Assert.Equal(UnixNanos(step.StartTimeUtc), received.StartTimeUnixNano);
        Assert.Equal(UnixNanos(step.StartTimeUtc + step.Duration), received.EndTimeUnixNano);
        Assert.Equal(step.Duration, received.Duration);

        // Integers of any CLR width arrive as OTLP int_value (long); arrays as arrays.
        Assert.Equal(7L, received.Attributes[DiffusionTags.StepIndex]);
        Assert.Equal(761L, received.Attributes[DiffusionTags.StepTimestep]);
        Assert.Equal(0.8125, received.Attributes[DiffusionTags.StepSigma]);
        Assert.Equal(true, received.Attributes[DiffusionTags.CacheHit]);
        Assert.Equal("EulerDiscreteScheduler", received.Attributes[DiffusionTags.Scheduler]);
        Assert.Equal(new object?[] { "a cat", "a dog" }, received.Attributes["diffusion.test.prompts"]);
        Assert.Equal(0L, receivedParent.Attributes[DiffusionTags.RpcGrpcStatusCode]);
        Assert.Equal("Denoise", receivedParent.Attributes[DiffusionTags.RpcMethod]);

        Assert.Equal(OtlpStatusCode.Error, received.StatusCode);
        Assert.Equal("out of memory", received.StatusMessage);
        Assert.Equal(OtlpStatusCode.Unset, receivedParent.StatusCode);

        var unetEvent = Assert.Single(received.Events);
        Assert.Equal("unet.done", unetEvent.Name);
        Assert.Equal(41.5, unetEvent.Attributes[DiffusionTags.UNetMilliseconds]);

        Assert.Equal("denoiser", received.ServiceName);
        Assert.Equal("1.2.3", received.ResourceAttributes["service.version"]);
        Assert.Equal("opentelemetry", received.ResourceAttributes["telemetry.sdk.name"]);
        Assert.IsType<string>(received.ResourceAttributes["service.instance.id"]);
    }

    [Fact]
    public async Task ForceFlush_SourcesInsideAndOutsideTheDefaults_OnlyListenedSourcesExported()
    {
        await using var receiver = await OtlpReceiver.StartAsync();
        using var telemetry = DiffusionTelemetry.Create(
            new DiffusionTelemetryOptions { ServiceName = "gateway" },
            OtlpSettings.Configuration(receiver, OtlpSettings.HttpProtobuf));
        using var future = new ActivitySource("Diffusion.Tests.FutureComponent");
        using var transport = new ActivitySource(DiffusionActivitySources.GrpcName);
        using var unrelated = new ActivitySource("Unrelated.Library");

        using (future.StartActivity("matched by Diffusion.*"))
        using (transport.StartActivity("diffusion.v1.Denoiser/Denoise", ActivityKind.Client))
        using (unrelated.StartActivity("not listened to"))
        {
        }

        Assert.True(telemetry.ForceFlush(OtlpSettings.FlushTimeout));

        Assert.Equal(
            ["Diffusion.Grpc", "Diffusion.Tests.FutureComponent"],
            receiver.Spans.Select(s => s.ScopeName).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Create_ShortExportScheduleDelay_SpansArriveWithoutForceFlush()
    {
        await using var receiver = await OtlpReceiver.StartAsync();
        using var telemetry = DiffusionTelemetry.Create(
            new DiffusionTelemetryOptions { ServiceName = "vae-codec", ExportScheduleDelay = TimeSpan.FromMilliseconds(50) },
            OtlpSettings.Configuration(receiver, OtlpSettings.HttpProtobuf));

        string spanId;
        using (var decode = DiffusionActivitySources.VaeCodec.StartActivity(DiffusionSpanNames.VaeDecode))
        {
            spanId = decode!.SpanId.ToHexString();
        }

        // The SDK default delay is 5 s: arriving well within 3 s shows the setting took effect.
        var received = await receiver.WaitForSpansAsync(s => s.SpanId == spanId, timeout: TimeSpan.FromSeconds(3));
        Assert.Equal(DiffusionSpanNames.VaeDecode, Assert.Single(received).Name);
    }

    [Fact]
    public async Task Dispose_SpansStillBuffered_ExportedOnShutdown()
    {
        await using var receiver = await OtlpReceiver.StartAsync();
        var telemetry = DiffusionTelemetry.Create(
            new DiffusionTelemetryOptions { ServiceName = "vae-codec", ExportScheduleDelay = TimeSpan.FromMinutes(10) },
            OtlpSettings.Configuration(receiver, OtlpSettings.Grpc));
        using (DiffusionActivitySources.VaeCodec.StartActivity(DiffusionSpanNames.VaeEncode))
        {
        }

        Assert.Empty(receiver.Spans);
        telemetry.Dispose();

        Assert.Equal(DiffusionSpanNames.VaeEncode, Assert.Single(receiver.Spans).Name);
    }

    [Fact]
    public async Task StopAsync_HostWithBufferedSpans_FlushedBeforeStopReturns()
    {
        await using var receiver = await OtlpReceiver.StartAsync();
        using var host = TestHosts.CreateHost(
            "gateway",
            OtlpSettings.For(receiver, OtlpSettings.HttpProtobuf),
            options => options.ExportScheduleDelay = TimeSpan.FromMinutes(10));
        await host.StartAsync();
        using (DiffusionActivitySources.Gateway.StartActivity(DiffusionSpanNames.Generate))
        {
        }

        Assert.Empty(receiver.Spans);
        await host.StopAsync();

        var span = Assert.Single(receiver.Spans);
        Assert.Equal(DiffusionSpanNames.Generate, span.Name);
        Assert.Equal("gateway", span.ServiceName);
    }

    [Fact]
    public async Task Create_ExceptionEscapesSpan_StatusIsError()
    {
        await using var receiver = await OtlpReceiver.StartAsync();
        using var telemetry = DiffusionTelemetry.Create(
            new DiffusionTelemetryOptions { ServiceName = "denoiser" },
            OtlpSettings.Configuration(receiver, OtlpSettings.HttpProtobuf));

        // SetErrorStatusOnException marks the span current when the exception is thrown.
        static void FailInsideSpan()
        {
            using var span = DiffusionActivitySources.Denoiser.StartActivity(DiffusionSpanNames.Denoise);
            throw new InvalidOperationException("scheduler diverged");
        }

        Assert.Throws<InvalidOperationException>(FailInsideSpan);

        Assert.True(telemetry.ForceFlush(OtlpSettings.FlushTimeout));
        var received = Assert.Single(receiver.Spans);
        Assert.Equal(OtlpStatusCode.Error, received.StatusCode);
    }

    private static ulong UnixNanos(DateTime utc) => (ulong)(utc - DateTime.UnixEpoch).Ticks * 100;
}
