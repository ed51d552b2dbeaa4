using Diffusion.Cli.Commands;
using Diffusion.Contracts.V1;
using Diffusion.ServiceDefaults.Telemetry;
using Diffusion.Testing.Otlp;
using Xunit.Abstractions;

namespace Diffusion.EndToEnd.Tests;

/// <summary>One generation through the four processes is one trace in the OTLP export: gateway
/// root, a stage span per service call, the services' server spans under the gateway's client
/// spans, and one span per denoising step under the Denoiser's work.</summary>
[Collection(StackCollection.Name)]
public sealed class TracingTests(StackFixture stack, ITestOutputHelper output)
{
    private const int Steps = 7;

    [Fact]
    public async Task Generate_FourProcesses_OneTraceWithEveryStep()
    {
        using var client = new GatewayClient(stack.GatewayUrl, null);
        var response = await client.GenerateAsync(new GenerateRequest
        {
            Prompt = "a red bicycle leaning on a wall",
            Steps = Steps,
            Seed = 5,
            Scheduler = "DPM++ 2M Karras",
            GuidanceScale = 6.5f,
        }, TimeSpan.FromMinutes(1), _ => { }, CancellationToken.None);
        string traceId = response.TraceId;
        Assert.Matches("^[0-9a-f]{32}$", traceId);

        // Every process exports on its own schedule: wait for the last spans to arrive.
        var steps = await stack.Otlp.WaitForSpansAsync(s => s.TraceId == traceId && s.Name == DiffusionSpanNames.DenoiseStep, Steps,
            TimeSpan.FromSeconds(30));
        await stack.Otlp.WaitForSpansAsync(s => s.TraceId == traceId && s.Name == DiffusionSpanNames.Generate, 1, TimeSpan.FromSeconds(30));
        await Task.Delay(1500); // let the other services' batches land
        var spans = stack.Otlp.Spans.Where(s => s.TraceId == traceId).ToList();
        foreach (var s in spans.OrderBy(s => s.StartTimeUnixNano))
            output.WriteLine($"{s.ServiceName,-24} {s.Name,-48} {s.Kind,-9} {s.Duration.TotalMilliseconds,9:F1} ms  parent {s.ParentSpanId ?? "-"}");

        var byId = spans.ToDictionary(s => s.SpanId);
        var services = spans.Select(s => s.ServiceName).Distinct().ToHashSet();
        foreach (var name in new[] { "gateway", "text-encoder", "denoiser", "vae-codec" })
            Assert.Contains(name, services);

        // One root: the gateway's request span; every other span's parent is in the trace.
        var roots = spans.Where(s => s.ParentSpanId is null || !byId.ContainsKey(s.ParentSpanId)).ToList();
        var root = Assert.Single(roots);
        Assert.Equal("gateway", root.ServiceName);

        // The gateway's stages, each with the downstream's server span somewhere under it.
        var generate = Assert.Single(spans, s => s.Name == DiffusionSpanNames.Generate);
        foreach (var (stage, service) in new[]
                 {
                     (DiffusionSpanNames.EncodeText, "text-encoder"),
                     (DiffusionSpanNames.Denoise, "denoiser"),
                     (DiffusionSpanNames.VaeDecode, "vae-codec"),
                 })
        {
            var stageSpan = Assert.Single(spans, s => s.Name == stage && s.ServiceName == "gateway");
            Assert.True(IsUnder(stageSpan, generate, byId), $"{stage} is not under {generate.Name}");
            var server = spans.Where(s => s.ServiceName == service && s.Kind == OtlpSpanKind.Server).ToList();
            Assert.NotEmpty(server);
            Assert.All(server, s => Assert.True(IsUnder(s, stageSpan, byId), $"{service}'s server span {s.Name} is not under {stage}"));
        }

        // Exactly `steps` step spans, in order, under the Denoiser's server span, with their attributes.
        // The Denoiser has two server spans: ASP.NET Core's HTTP one and, under it, the gRPC one (rpc.* tags).
        var denoiseServers = spans.Where(s => s.ServiceName == "denoiser" && s.Kind == OtlpSpanKind.Server).ToList();
        Assert.InRange(denoiseServers.Count, 1, 2);
        var denoiseServer = denoiseServers.Single(s => !denoiseServers.Any(o => o != s && IsUnder(o, s, byId)));
        Assert.Contains("Denoise", denoiseServer.Name, StringComparison.Ordinal);
        var ordered = steps.Where(s => s.TraceId == traceId).OrderBy(s => s.StartTimeUnixNano).ToList();
        Assert.Equal(Steps, ordered.Count);
        double stepSum = 0;
        for (int i = 0; i < Steps; i++)
        {
            var s = ordered[i];
            Assert.Equal("denoiser", s.ServiceName);
            Assert.True(IsUnder(s, denoiseServer, byId), $"step {i} is not under the Denoiser's server span");
            Assert.Equal((long)i, Convert.ToInt64(s.Attributes[DiffusionTags.StepIndex]));
            Assert.True(s.Attributes.ContainsKey(DiffusionTags.StepTimestep));
            Assert.True(s.Attributes.ContainsKey(DiffusionTags.StepSigma));
            Assert.Equal(2L, Convert.ToInt64(s.Attributes[DiffusionTags.BatchSize]));
            Assert.Equal(6.5, Convert.ToDouble(s.Attributes[DiffusionTags.GuidanceScale]), 6);
            Assert.Equal("DPMSolverMultistepScheduler", s.Attributes[DiffusionTags.Scheduler]);
            Assert.True(Convert.ToDouble(s.Attributes[DiffusionTags.UNetMilliseconds]) > 0);
            Assert.True(Convert.ToDouble(s.Attributes[DiffusionTags.SchedulerMilliseconds]) >= 0);
            stepSum += s.Duration.TotalMilliseconds;
        }
        var denoiseStage = Assert.Single(spans, s => s.Name == DiffusionSpanNames.Denoise && s.ServiceName == "gateway");
        Assert.True(stepSum <= denoiseStage.Duration.TotalMilliseconds,
            $"step spans sum to {stepSum:F1} ms, more than the denoise span's {denoiseStage.Duration.TotalMilliseconds:F1} ms");

        // The per-stage timings the CLI prints come from the same clock as the stage spans.
        Assert.InRange(response.Timings.DenoiseMs, denoiseStage.Duration.TotalMilliseconds * 0.8, denoiseStage.Duration.TotalMilliseconds * 1.05 + 5);
    }

    private static bool IsUnder(ReceivedSpan span, ReceivedSpan ancestor, IReadOnlyDictionary<string, ReceivedSpan> byId)
    {
        for (var s = span; s.ParentSpanId is { } parent && byId.TryGetValue(parent, out var p); s = p)
            if (p.SpanId == ancestor.SpanId) return true;
        return false;
    }
}
