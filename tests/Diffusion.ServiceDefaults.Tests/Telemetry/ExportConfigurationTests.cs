using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Net;
using System.Net.Sockets;
using Diffusion.ServiceDefaults.Telemetry;
using Diffusion.ServiceDefaults.Tests.Support;
using Diffusion.Testing.Otlp;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Diffusion.ServiceDefaults.Tests.Telemetry;

/// <summary>The standard OTEL_* settings, as a deployment would set them.</summary>
public sealed class ExportConfigurationTests
{
    [Fact]
    public void Create_NoEndpointConfigured_ExportOffAndNothingReported()
    {
        using var diagnostics = new OpenTelemetryDiagnostics();
        using var telemetry = DiffusionTelemetry.Create(
            new DiffusionTelemetryOptions { ServiceName = "denoiser" },
            OtlpSettings.Configuration([]));

        using (var span = DiffusionActivitySources.Denoiser.StartActivity(DiffusionSpanNames.Denoise))
        {
            // Spans are still recorded, so context flows and logs carry trace ids.
            Assert.NotNull(span);
            Assert.True(span.Recorded);
        }

        Assert.True(telemetry.ForceFlush(OtlpSettings.FlushTimeout));
        Assert.False(telemetry.Export.Traces.Enabled);
        Assert.False(telemetry.Export.Metrics.Enabled);
        Assert.False(telemetry.Export.Logs.Enabled);
        Assert.False(telemetry.Export.Traces.IsMisconfigured);
        Assert.Empty(diagnostics.Problems);
    }

    [Fact]
    public void Create_EndpointWithNothingListening_ExporterReportsTheFailure()
    {
        // The counterpart of the test above: proves the diagnostics listener would see a failing
        // exporter, and therefore that "no endpoint" really means no exporter.
        using var diagnostics = new OpenTelemetryDiagnostics();
        using var telemetry = DiffusionTelemetry.Create(
            new DiffusionTelemetryOptions { ServiceName = "denoiser" },
            OtlpSettings.Configuration(new Dictionary<string, string?>
            {
                ["OTEL_EXPORTER_OTLP_ENDPOINT"] = $"http://127.0.0.1:{ClosedPort()}",
                ["OTEL_EXPORTER_OTLP_PROTOCOL"] = OtlpSettings.HttpProtobuf,
                ["OTEL_EXPORTER_OTLP_TIMEOUT"] = "1000",
            }));
        using (DiffusionActivitySources.Denoiser.StartActivity(DiffusionSpanNames.Denoise))
        {
        }

        Assert.False(telemetry.ForceFlush(OtlpSettings.FlushTimeout));
        Assert.NotEmpty(diagnostics.Problems);
    }

    [Fact]
    public async Task Create_OnlyTracesEndpoint_TracesExportedAndMetricsOff()
    {
        await using var receiver = await OtlpReceiver.StartAsync();
        using var telemetry = DiffusionTelemetry.Create(
            new DiffusionTelemetryOptions { ServiceName = "gateway" },
            OtlpSettings.Configuration(new Dictionary<string, string?>
            {
                ["OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"] = receiver.TracesEndpoint.ToString(),
                ["OTEL_EXPORTER_OTLP_TRACES_PROTOCOL"] = OtlpSettings.HttpProtobuf,
            }));
        using var meter = new Meter("Diffusion.Tests.OnlyTraces");
        meter.CreateCounter<long>("diffusion.tests.ignored").Add(1);
        using (DiffusionActivitySources.Gateway.StartActivity(DiffusionSpanNames.Generate))
        {
        }

        Assert.True(telemetry.ForceFlush(OtlpSettings.FlushTimeout));

        Assert.True(telemetry.Export.Traces.Enabled);
        Assert.Equal(receiver.TracesEndpoint, telemetry.Export.Traces.Endpoint);
        Assert.False(telemetry.Export.Metrics.Enabled);
        Assert.Single(receiver.Spans);
        Assert.Empty(receiver.MetricPoints);
        Assert.Equal(OtlpSignal.Traces, Assert.Single(receiver.Exports).Signal);
    }

    [Fact]
    public async Task Create_SignalSpecificProtocolAndEndpoint_EachSignalUsesItsOwn()
    {
        await using var receiver = await OtlpReceiver.StartAsync();
        using var telemetry = DiffusionTelemetry.Create(
            new DiffusionTelemetryOptions { ServiceName = "denoiser" },
            OtlpSettings.Configuration(new Dictionary<string, string?>
            {
                ["OTEL_EXPORTER_OTLP_ENDPOINT"] = OtlpSettings.BaseEndpoint(receiver, OtlpSettings.Grpc),
                ["OTEL_EXPORTER_OTLP_PROTOCOL"] = OtlpSettings.Grpc,
                ["OTEL_EXPORTER_OTLP_METRICS_ENDPOINT"] = receiver.MetricsEndpoint.ToString(),
                ["OTEL_EXPORTER_OTLP_METRICS_PROTOCOL"] = OtlpSettings.HttpProtobuf,
                ["OTEL_EXPORTER_OTLP_METRICS_COMPRESSION"] = "gzip",
            }));
        using var meter = new Meter("Diffusion.Tests.PerSignal");
        meter.CreateCounter<long>("diffusion.tests.per_signal").Add(1);
        using (DiffusionActivitySources.Denoiser.StartActivity(DiffusionSpanNames.Denoise))
        {
        }

        Assert.True(telemetry.ForceFlush(OtlpSettings.FlushTimeout));

        var traces = Assert.Single(receiver.Exports, e => e.Signal == OtlpSignal.Traces);
        Assert.Equal(OtlpTransport.Grpc, traces.Transport);
        Assert.False(traces.Compressed);
        var metrics = Assert.Single(receiver.Exports, e => e.Signal == OtlpSignal.Metrics);
        Assert.Equal(OtlpTransport.HttpProtobuf, metrics.Transport);
        Assert.True(metrics.Compressed);
        Assert.Equal("http/protobuf", telemetry.Export.Metrics.Protocol);
        Assert.Equal("grpc", telemetry.Export.Traces.Protocol);
    }

    [Fact]
    public async Task Create_TracesExporterNone_TracesOffMetricsStillExported()
    {
        await using var receiver = await OtlpReceiver.StartAsync();
        using var telemetry = DiffusionTelemetry.Create(
            new DiffusionTelemetryOptions { ServiceName = "gateway" },
            OtlpSettings.Configuration(receiver, OtlpSettings.HttpProtobuf, ("OTEL_TRACES_EXPORTER", "none")));
        using var meter = new Meter("Diffusion.Tests.ExporterNone");
        meter.CreateCounter<long>("diffusion.tests.kept").Add(3);
        using (DiffusionActivitySources.Gateway.StartActivity(DiffusionSpanNames.Generate))
        {
        }

        Assert.True(telemetry.ForceFlush(OtlpSettings.FlushTimeout));

        Assert.False(telemetry.Export.Traces.Enabled);
        Assert.Empty(receiver.Spans);
        Assert.Equal(3L, Assert.Single(receiver.MetricPoints, p => p.MetricName == "diffusion.tests.kept").LongValue);
    }

    [Fact]
    public async Task Create_TraceIdRatioSamplerZero_SpansDroppedWhileMetricsFlow()
    {
        await using var receiver = await OtlpReceiver.StartAsync();
        using var telemetry = DiffusionTelemetry.Create(
            new DiffusionTelemetryOptions { ServiceName = "denoiser" },
            OtlpSettings.Configuration(
                receiver,
                OtlpSettings.Grpc,
                ("OTEL_TRACES_SAMPLER", "traceidratio"),
                ("OTEL_TRACES_SAMPLER_ARG", "0")));
        using var meter = new Meter("Diffusion.Tests.Sampler");
        meter.CreateCounter<long>("diffusion.tests.alive").Add(1);

        for (var i = 0; i < 20; i++)
        {
            using var span = DiffusionActivitySources.Denoiser.StartActivity(DiffusionSpanNames.DenoiseStep);
            Assert.False(span?.Recorded ?? false);
        }

        Assert.True(telemetry.ForceFlush(OtlpSettings.FlushTimeout));

        // The metric shows the export path works; the sampler is what kept the spans out.
        Assert.Single(receiver.MetricPoints, p => p.MetricName == "diffusion.tests.alive");
        Assert.Empty(receiver.Spans);
    }

    [Fact]
    public async Task Create_ParentBasedRatioZero_SampledRemoteParentKeptAndRootDropped()
    {
        await using var receiver = await OtlpReceiver.StartAsync();
        using var telemetry = DiffusionTelemetry.Create(
            new DiffusionTelemetryOptions { ServiceName = "denoiser" },
            OtlpSettings.Configuration(
                receiver,
                OtlpSettings.HttpProtobuf,
                ("OTEL_TRACES_SAMPLER", "parentbased_traceidratio"),
                ("OTEL_TRACES_SAMPLER_ARG", "0")));
        var sampledCaller = new ActivityContext(
            ActivityTraceId.CreateRandom(), ActivitySpanId.CreateRandom(), ActivityTraceFlags.Recorded, isRemote: true);

        using (DiffusionActivitySources.Denoiser.StartActivity("root, dropped by the ratio"))
        {
        }

        using (DiffusionActivitySources.Denoiser.StartActivity("child of a sampled caller", ActivityKind.Server, sampledCaller))
        {
        }

        Assert.True(telemetry.ForceFlush(OtlpSettings.FlushTimeout));

        var span = Assert.Single(receiver.Spans);
        Assert.Equal("child of a sampled caller", span.Name);
        Assert.Equal(sampledCaller.TraceId.ToHexString(), span.TraceId);
        Assert.Equal(sampledCaller.SpanId.ToHexString(), span.ParentSpanId);
    }

    [Theory]
    [InlineData("renamed", null, "renamed")]
    [InlineData(null, "service.name=from-attributes", "from-attributes")]
    [InlineData("renamed", "service.name=from-attributes", "renamed")]
    [InlineData(null, null, "denoiser")]
    public async Task Create_ServiceNameSettings_PrecedenceFollowsTheSpecification(
        string? otelServiceName, string? resourceAttributes, string expected)
    {
        await using var receiver = await OtlpReceiver.StartAsync();
        var settings = OtlpSettings.For(receiver, OtlpSettings.HttpProtobuf);
        settings["OTEL_SERVICE_NAME"] = otelServiceName;
        settings["OTEL_RESOURCE_ATTRIBUTES"] = resourceAttributes;
        using var telemetry = DiffusionTelemetry.Create(
            new DiffusionTelemetryOptions { ServiceName = "denoiser" }, OtlpSettings.Configuration(settings));
        using (DiffusionActivitySources.Denoiser.StartActivity(DiffusionSpanNames.Denoise))
        {
        }

        Assert.True(telemetry.ForceFlush(OtlpSettings.FlushTimeout));

        Assert.Equal(expected, telemetry.ServiceName);
        Assert.Equal(expected, Assert.Single(receiver.Spans).ServiceName);
    }

    [Fact]
    public async Task Create_ResourceAttributesSetting_AttributesOnEverySignal()
    {
        await using var receiver = await OtlpReceiver.StartAsync();
        using var telemetry = DiffusionTelemetry.Create(
            new DiffusionTelemetryOptions { ServiceName = "vae-codec" },
            OtlpSettings.Configuration(
                receiver,
                OtlpSettings.Grpc,
                ("OTEL_RESOURCE_ATTRIBUTES", "deployment.environment.name=test,service.namespace=diffusion")));
        using var meter = new Meter("Diffusion.Tests.Resource");
        meter.CreateCounter<long>("diffusion.tests.resource").Add(1);
        using (DiffusionActivitySources.VaeCodec.StartActivity(DiffusionSpanNames.VaeDecode))
        {
        }

        Assert.True(telemetry.ForceFlush(OtlpSettings.FlushTimeout));

        var span = Assert.Single(receiver.Spans);
        var point = Assert.Single(receiver.MetricPoints, p => p.MetricName == "diffusion.tests.resource");
        foreach (var resource in new[] { span.ResourceAttributes, point.ResourceAttributes })
        {
            Assert.Equal("test", resource["deployment.environment.name"]);
            Assert.Equal("diffusion", resource["service.namespace"]);
            Assert.Equal("vae-codec", resource["service.name"]);
        }
    }

    [Theory]
    [InlineData(OtlpSettings.Grpc)]
    [InlineData(OtlpSettings.HttpProtobuf)]
    public async Task Create_GzipCompressionSetting_PayloadsCompressedAndDecoded(string protocol)
    {
        await using var receiver = await OtlpReceiver.StartAsync();
        using var telemetry = DiffusionTelemetry.Create(
            new DiffusionTelemetryOptions { ServiceName = "denoiser" },
            OtlpSettings.Configuration(receiver, protocol, ("OTEL_EXPORTER_OTLP_COMPRESSION", "gzip")));
        using (var span = DiffusionActivitySources.Denoiser.StartActivity(DiffusionSpanNames.DenoiseStep))
        {
            span?.SetTag(DiffusionTags.StepIndex, 3);
        }

        Assert.True(telemetry.ForceFlush(OtlpSettings.FlushTimeout));

        Assert.Equal(3L, Assert.Single(receiver.Spans).Attributes[DiffusionTags.StepIndex]);
        var export = Assert.Single(receiver.Exports, e => e.Signal == OtlpSignal.Traces);
        Assert.True(export.Compressed);
    }

    [Fact]
    public async Task AddDiffusionDefaults_ProcessEnvironmentVariables_ConfigureExportAndServiceName()
    {
        await using var receiver = await OtlpReceiver.StartAsync();
        string[] names = ["OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_PROTOCOL", "OTEL_SERVICE_NAME"];
        var saved = names.ToDictionary(n => n, Environment.GetEnvironmentVariable);
        try
        {
            Environment.SetEnvironmentVariable("OTEL_EXPORTER_OTLP_ENDPOINT", OtlpSettings.BaseEndpoint(receiver, OtlpSettings.Grpc));
            Environment.SetEnvironmentVariable("OTEL_EXPORTER_OTLP_PROTOCOL", OtlpSettings.Grpc);
            Environment.SetEnvironmentVariable("OTEL_SERVICE_NAME", "denoiser-from-env");

            // The default host builder reads the environment, as a deployed service's does.
            var builder = Host.CreateApplicationBuilder();
            builder.AddDiffusionDefaults("denoiser", o => o.ConsoleLogFormat = ConsoleLogFormat.Unchanged);
            using var host = builder.Build();
            await host.StartAsync();
            using (DiffusionActivitySources.Denoiser.StartActivity(DiffusionSpanNames.Denoise))
            {
            }

            Assert.True(host.Telemetry().ForceFlush(OtlpSettings.FlushTimeout));
            await host.StopAsync();

            var span = Assert.Single(receiver.Spans);
            Assert.Equal("denoiser-from-env", span.ServiceName);
            Assert.Equal(OtlpTransport.Grpc, span.Export.Transport);
        }
        finally
        {
            foreach (var (name, value) in saved)
            {
                Environment.SetEnvironmentVariable(name, value);
            }
        }
    }

    [Fact]
    public void Create_NullConfiguration_ReadsProcessEnvironment()
    {
        const string Name = "OTEL_EXPORTER_OTLP_METRICS_ENDPOINT";
        var saved = Environment.GetEnvironmentVariable(Name);
        try
        {
            Environment.SetEnvironmentVariable(Name, "http://collector.example:4318/v1/metrics");
            using var telemetry = DiffusionTelemetry.Create(new DiffusionTelemetryOptions { ServiceName = "cli" });

            Assert.True(telemetry.Export.Metrics.Enabled);
            Assert.Equal(new Uri("http://collector.example:4318/v1/metrics"), telemetry.Export.Metrics.Endpoint);
        }
        finally
        {
            Environment.SetEnvironmentVariable(Name, saved);
        }
    }

    [Fact]
    public async Task Create_SdkDisabled_NothingRecordedOrExported()
    {
        await using var receiver = await OtlpReceiver.StartAsync();
        using var telemetry = DiffusionTelemetry.Create(
            new DiffusionTelemetryOptions { ServiceName = "denoiser" },
            OtlpSettings.Configuration(receiver, OtlpSettings.HttpProtobuf, ("OTEL_SDK_DISABLED", "true")));
        using var meter = new Meter("Diffusion.Tests.Disabled");
        meter.CreateCounter<long>("diffusion.tests.disabled").Add(1);
        using (DiffusionActivitySources.Denoiser.StartActivity(DiffusionSpanNames.Denoise))
        {
        }

        Assert.True(telemetry.ForceFlush(OtlpSettings.FlushTimeout));

        Assert.Equal("denoiser", telemetry.ServiceName);
        Assert.False(telemetry.Export.Traces.Enabled);
        Assert.Empty(receiver.Exports);
    }

    [Fact]
    public void Create_NoServiceName_Throws()
    {
        var error = Assert.Throws<ArgumentException>(() => DiffusionTelemetry.Create(new DiffusionTelemetryOptions(), OtlpSettings.Configuration([])));
        Assert.Contains("service name", error.Message, StringComparison.Ordinal);
    }

    private static int ClosedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}
