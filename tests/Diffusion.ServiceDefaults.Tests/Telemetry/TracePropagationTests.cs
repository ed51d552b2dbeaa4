using System.Diagnostics;
using Diffusion.ServiceDefaults.Telemetry;
using Diffusion.ServiceDefaults.Tests.Support;
using Diffusion.Testing.Otlp;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Diffusion.ServiceDefaults.Tests.Telemetry;

/// <summary>
/// One Generate request must be one trace across services. Two "services" share this process,
/// so each listens only to its own sources; otherwise both would export every span.
/// </summary>
public sealed class TracePropagationTests
{
    private const int StepCount = 3;

    [Fact]
    public async Task AddDiffusionDefaults_GatewayCallsDenoiserOverHttp_OneTraceAcrossBothServices()
    {
        await using var receiver = await OtlpReceiver.StartAsync();
        var settings = OtlpSettings.For(receiver, OtlpSettings.HttpProtobuf);
        var fastExport = TimeSpan.FromMilliseconds(50);

        await using var denoiser = TestHosts.CreateWebService(
            "denoiser",
            settings,
            options =>
            {
                options.TracingSources.Clear();
                options.TracingSources.Add(DiffusionActivitySources.AspNetCoreName);
                options.TracingSources.Add(DiffusionActivitySources.DenoiserName);
                options.ExportScheduleDelay = fastExport;
            },
            app => app.MapPost("/denoise", () =>
            {
                for (var i = 0; i < StepCount; i++)
                {
                    using var step = DiffusionActivitySources.Denoiser.StartActivity(DiffusionSpanNames.DenoiseStep);
                    step?.SetTag(DiffusionTags.StepIndex, i);
                    step?.SetTag(DiffusionTags.StepTimestep, 999 - (i * 333));
                    step?.SetTag(DiffusionTags.StepSigma, 14.6 / (i + 1));
                    step?.SetTag(DiffusionTags.Scheduler, "EulerDiscreteScheduler");
                }

                return Results.Ok();
            }));
        await denoiser.StartAsync();

        using var gateway = TestHosts.CreateHost("gateway", settings, options =>
        {
            options.TracingSources.Clear();
            options.TracingSources.Add(DiffusionActivitySources.HttpClientName);
            options.TracingSources.Add(DiffusionActivitySources.GatewayName);
            options.ExportScheduleDelay = fastExport;
        });
        await gateway.StartAsync();

        ActivityTraceId traceId;
        using (var http = new HttpClient())
        using (var generate = DiffusionActivitySources.Gateway.StartActivity(DiffusionSpanNames.Generate))
        {
            Assert.NotNull(generate);
            traceId = generate.TraceId;
            using var response = await http.PostAsync(new Uri(TestHosts.Address(denoiser), "/denoise"), content: null);
            response.EnsureSuccessStatusCode();
        }

        Assert.True(gateway.Telemetry().ForceFlush(OtlpSettings.FlushTimeout));
        Assert.True(denoiser.Telemetry().ForceFlush(OtlpSettings.FlushTimeout));

        // generate + HttpClient + ASP.NET Core server + steps. The server span may end a moment
        // after the client has its response, hence waiting rather than a single look.
        var trace = await receiver.WaitForSpansAsync(s => s.TraceId == traceId.ToHexString(), count: 3 + StepCount);
        Assert.Equal(3 + StepCount, trace.Count);

        var root = Assert.Single(trace, s => s.IsRoot);
        Assert.Equal(DiffusionSpanNames.Generate, root.Name);
        Assert.Equal("gateway", root.ServiceName);
        Assert.Equal(DiffusionActivitySources.GatewayName, root.ScopeName);

        var client = Assert.Single(trace, s => s.ScopeName == DiffusionActivitySources.HttpClientName);
        Assert.Equal(OtlpSpanKind.Client, client.Kind);
        Assert.Equal(root.SpanId, client.ParentSpanId);
        Assert.Equal("gateway", client.ServiceName);
        Assert.Equal("POST", client.Attributes["http.request.method"]);
        Assert.Equal(200L, client.Attributes["http.response.status_code"]);

        // The W3C traceparent HttpClient sent is what links the denoiser's server span to the client span.
        var server = Assert.Single(trace, s => s.ScopeName == DiffusionActivitySources.AspNetCoreName);
        Assert.Equal(OtlpSpanKind.Server, server.Kind);
        Assert.Equal(client.SpanId, server.ParentSpanId);
        Assert.Equal("denoiser", server.ServiceName);

        var steps = trace.Where(s => s.Name == DiffusionSpanNames.DenoiseStep)
            .OrderBy(s => (long)s.Attributes[DiffusionTags.StepIndex]!)
            .ToArray();
        Assert.Equal(StepCount, steps.Length);
        for (var i = 0; i < StepCount; i++)
        {
            var step = steps[i];
            Assert.Equal("denoiser", step.ServiceName);
            Assert.Equal(DiffusionActivitySources.DenoiserName, step.ScopeName);
            Assert.Equal(server.SpanId, step.ParentSpanId);
            Assert.Equal((long)i, step.Attributes[DiffusionTags.StepIndex]);
            Assert.Equal((long)(999 - (i * 333)), step.Attributes[DiffusionTags.StepTimestep]);
            Assert.Equal(14.6 / (i + 1), step.Attributes[DiffusionTags.StepSigma]);
            Assert.Equal("EulerDiscreteScheduler", step.Attributes[DiffusionTags.Scheduler]);

            // Same process, same clock: a child lies within its parent, and steps run in order.
            Assert.InRange(step.StartTimeUnixNano, server.StartTimeUnixNano, server.EndTimeUnixNano);
            Assert.InRange(step.EndTimeUnixNano, step.StartTimeUnixNano, server.EndTimeUnixNano);
            if (i > 0)
            {
                Assert.True(step.StartTimeUnixNano >= steps[i - 1].EndTimeUnixNano, "steps overlap");
            }
        }

        Assert.InRange(client.StartTimeUnixNano, root.StartTimeUnixNano, root.EndTimeUnixNano);
        Assert.InRange(client.EndTimeUnixNano, client.StartTimeUnixNano, root.EndTimeUnixNano);
    }

    [Theory]
    [InlineData(OtlpSettings.Grpc)]
    [InlineData(OtlpSettings.HttpProtobuf)]
    public async Task Create_ContextPropagatedBetweenTwoServices_SpansShareTraceAndLinkParents(string protocol)
    {
        await using var receiver = await OtlpReceiver.StartAsync();
        var configuration = OtlpSettings.Configuration(receiver, protocol);
        using var gateway = DiffusionTelemetry.Create(Options("gateway", DiffusionActivitySources.GatewayName), configuration);
        using var textEncoder = DiffusionTelemetry.Create(Options("text-encoder", DiffusionActivitySources.TextEncoderName), configuration);

        string traceId, generateId, encodeId;
        using (var generate = DiffusionActivitySources.Gateway.StartActivity(DiffusionSpanNames.Generate, ActivityKind.Client))
        {
            Assert.NotNull(generate);
            generate.SetTag(DiffusionTags.GuidanceScale, 7.5);
            traceId = generate.TraceId.ToHexString();
            generateId = generate.SpanId.ToHexString();

            // What the transport does: inject W3C headers on one side, extract on the other.
            var headers = new Dictionary<string, string>();
            DistributedContextPropagator.Current.Inject(generate, headers, static (carrier, name, value) =>
                ((Dictionary<string, string>)carrier!)[name] = value);
            DistributedContextPropagator.Current.ExtractTraceIdAndState(
                headers,
                static (object? carrier, string name, out string? value, out IEnumerable<string>? values) =>
                {
                    values = null;
                    ((Dictionary<string, string>)carrier!).TryGetValue(name, out value);
                },
                out var traceParent,
                out var traceState);
            Assert.True(ActivityContext.TryParse(traceParent, traceState, isRemote: true, out var remoteParent));

            using var encode = DiffusionActivitySources.TextEncoder.StartActivity(
                DiffusionSpanNames.EncodeText, ActivityKind.Server, remoteParent);
            Assert.NotNull(encode);
            encode.SetTag(DiffusionTags.CacheHit, false);
            encodeId = encode.SpanId.ToHexString();
        }

        Assert.True(gateway.ForceFlush(OtlpSettings.FlushTimeout));
        Assert.True(textEncoder.ForceFlush(OtlpSettings.FlushTimeout));

        var spans = receiver.Spans;
        Assert.Equal(2, spans.Count);
        var generateSpan = Assert.Single(spans, s => s.SpanId == generateId);
        var encodeSpan = Assert.Single(spans, s => s.SpanId == encodeId);
        Assert.Equal(traceId, generateSpan.TraceId);
        Assert.Equal(traceId, encodeSpan.TraceId);
        Assert.Null(generateSpan.ParentSpanId);
        Assert.Equal(generateId, encodeSpan.ParentSpanId);
        Assert.Equal("gateway", generateSpan.ServiceName);
        Assert.Equal("text-encoder", encodeSpan.ServiceName);
        Assert.Equal(OtlpSpanKind.Client, generateSpan.Kind);
        Assert.Equal(OtlpSpanKind.Server, encodeSpan.Kind);
        Assert.Equal(7.5, generateSpan.Attributes[DiffusionTags.GuidanceScale]);
        Assert.Equal(false, encodeSpan.Attributes[DiffusionTags.CacheHit]);

        // OTLP span flags: bit 8 says the remote-ness is known, bit 9 that the parent was remote.
        Assert.Equal(0x300u, encodeSpan.Flags & 0x300u);
        Assert.Equal(0x100u, generateSpan.Flags & 0x300u);

        var expectedTransport = protocol == OtlpSettings.Grpc ? OtlpTransport.Grpc : OtlpTransport.HttpProtobuf;
        Assert.All(receiver.Exports, e => Assert.Equal(expectedTransport, e.Transport));
    }

    private static DiffusionTelemetryOptions Options(string serviceName, string source)
    {
        var options = new DiffusionTelemetryOptions { ServiceName = serviceName };
        options.TracingSources.Clear();
        options.TracingSources.Add(source);
        return options;
    }
}
