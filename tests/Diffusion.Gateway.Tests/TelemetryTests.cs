using System.Collections.Concurrent;
using System.Diagnostics;
using Diffusion.Gateway.Tests.Fakes;
using Diffusion.Gateway.Tests.Support;
using Diffusion.ServiceDefaults.Telemetry;

namespace Diffusion.Gateway.Tests;

/// <summary>The spans of a generation: a root, one child per stage, one per downstream attempt.</summary>
public sealed class TelemetryTests : IDisposable
{
    private readonly ConcurrentQueue<Activity> _stopped = new();
    private readonly ActivityListener _listener;

    public TelemetryTests()
    {
        _listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name is DiffusionActivitySources.GatewayName or DiffusionActivitySources.GrpcName,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = _stopped.Enqueue,
        };
        ActivitySource.AddActivityListener(_listener);
    }

    public void Dispose() => _listener.Dispose();

    [Fact]
    public async Task Generate_WithARetry_RootStageAndAttemptSpansInOneTrace()
    {
        await using var harness = await GatewayHarness.StartAsync(new HarnessSettings
        {
            Fakes = (encoder, _, _) => encoder.OnEncode = Faults.FailFirst(1, () => Faults.Unavailable()),
        });

        var response = await harness.GenerateAsync(GatewayHarness.Request());

        var spans = _stopped.Where(a => a.TraceId.ToHexString() == response.TraceId).ToList();
        var root = Assert.Single(spans, s => s.OperationName == DiffusionSpanNames.Generate);
        var encode = Assert.Single(spans, s => s.OperationName == DiffusionSpanNames.EncodeText);
        var denoise = Assert.Single(spans, s => s.OperationName == DiffusionSpanNames.Denoise);
        var decode = Assert.Single(spans, s => s.OperationName == DiffusionSpanNames.VaeDecode);
        Assert.All([encode, denoise, decode], s => Assert.Equal(root.SpanId, s.ParentSpanId));

        var attempts = spans.Where(s => s.OperationName == "diffusion.v1.TextEncoder/Encode attempt").OrderBy(s => s.StartTimeUtc).ToList();
        Assert.Equal(2, attempts.Count);
        Assert.All(attempts, a => Assert.Equal(encode.SpanId, a.ParentSpanId));
        Assert.Equal([1, 2], attempts.Select(a => (int)a.GetTagItem(DiffusionTags.RetryAttempt)!));
        Assert.Equal(["initial", "UNAVAILABLE"], attempts.Select(a => (string)a.GetTagItem(DiffusionTags.RetryReason)!));
        Assert.Equal(ActivityStatusCode.Error, attempts[0].Status);
        Assert.Equal(14, attempts[0].GetTagItem(DiffusionTags.RpcGrpcStatusCode));

        // The second attempt's transport span is what the encoder saw as its parent.
        var seen = harness.Encoder.Calls.Last().TraceParent!;
        var client = Assert.Single(spans, s => s.Id == seen);
        Assert.Equal(ActivityKind.Client, client.Kind);
        Assert.Equal(attempts[1].SpanId, client.ParentSpanId);
        Assert.Equal(64, root.GetTagItem(DiffusionTags.ImageWidth));
    }

    [Fact]
    public async Task Generate_Failover_AttemptSpanSaysWhy()
    {
        await using var harness = await GatewayHarness.StartAsync();
        int kills = 1;
        harness.Denoisers[0].FailAfterCheckpoint = step => step == 2 && Interlocked.Exchange(ref kills, 0) == 1 ? Faults.Unavailable() : null;

        var response = await harness.GenerateAsync(GatewayHarness.Request());

        var attempts = _stopped.Where(a => a.TraceId.ToHexString() == response.TraceId && a.OperationName == "diffusion.v1.Denoiser/Denoise attempt")
            .OrderBy(s => s.StartTimeUtc).ToList();
        Assert.Equal(["initial", "failover after UNAVAILABLE"], attempts.Select(a => (string)a.GetTagItem(DiffusionTags.RetryReason)!));
        var denoise = _stopped.Single(a => a.TraceId.ToHexString() == response.TraceId && a.OperationName == DiffusionSpanNames.Denoise);
        Assert.Equal(1, denoise.GetTagItem(Telemetry.GatewayTelemetry.FailoversTag));
    }
}
