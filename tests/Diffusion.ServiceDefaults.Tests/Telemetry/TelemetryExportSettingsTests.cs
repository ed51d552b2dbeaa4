using Diffusion.ServiceDefaults.Telemetry;
using Diffusion.ServiceDefaults.Tests.Support;
using OpenTelemetry.Exporter;

namespace Diffusion.ServiceDefaults.Tests.Telemetry;

public sealed class TelemetryExportSettingsTests
{
    [Fact]
    public void Resolve_NothingSet_AllOffWithReasonAndNoProblems()
    {
        var export = Resolve();

        foreach (var signal in new[] { export.Traces, export.Metrics, export.Logs })
        {
            Assert.False(signal.Enabled);
            Assert.Null(signal.Endpoint);
            Assert.Equal("grpc", signal.Protocol);
            Assert.Contains("OTEL_EXPORTER_OTLP_ENDPOINT", signal.DisabledReason, StringComparison.Ordinal);
            Assert.False(signal.IsMisconfigured);
        }
    }

    [Fact]
    public void Resolve_BaseEndpointAndProtocol_AllOnAndExporterLeftToReadThem()
    {
        var export = Resolve(("OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4318"), ("OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf"));

        foreach (var signal in new[] { export.Traces, export.Metrics, export.Logs })
        {
            Assert.True(signal.Enabled);
            Assert.Equal(new Uri("http://collector:4318"), signal.Endpoint);
            Assert.Equal("http/protobuf", signal.Protocol);

            // The exporter reads the base variables itself and appends /v1/{signal}: nothing to override.
            var options = new OtlpExporterOptions();
            var before = (options.Endpoint, options.Protocol);
            signal.Overrides.ApplyTo(options);
            Assert.Equal(before, (options.Endpoint, options.Protocol));
        }
    }

    [Fact]
    public void Resolve_SignalSpecificSettings_OverridesForThatSignalOnly()
    {
        var export = Resolve(
            ("OTEL_EXPORTER_OTLP_LOGS_ENDPOINT", "https://logs.example/v1/logs"),
            ("OTEL_EXPORTER_OTLP_LOGS_PROTOCOL", "http/protobuf"),
            ("OTEL_EXPORTER_OTLP_LOGS_HEADERS", "api-key=secret"),
            ("OTEL_EXPORTER_OTLP_LOGS_TIMEOUT", "2500"),
            ("OTEL_EXPORTER_OTLP_LOGS_COMPRESSION", "gzip"));

        Assert.False(export.Traces.Enabled);
        Assert.False(export.Metrics.Enabled);
        Assert.True(export.Logs.Enabled);
        Assert.Equal("http/protobuf", export.Logs.Protocol);

        var options = new OtlpExporterOptions();
        export.Logs.Overrides.ApplyTo(options);
        Assert.Equal(new Uri("https://logs.example/v1/logs"), options.Endpoint);
        Assert.Equal(OtlpExportProtocol.HttpProtobuf, options.Protocol);
        Assert.Equal("api-key=secret", options.Headers);
        Assert.Equal(2500, options.TimeoutMilliseconds);
        Assert.Equal(OtlpExportCompression.GZip, options.Compression);
    }

    [Theory]
    [InlineData("OTEL_SDK_DISABLED", "true", "OTEL_SDK_DISABLED=true")]
    [InlineData("OTEL_TRACES_EXPORTER", "none", "OTEL_TRACES_EXPORTER=none")]
    [InlineData("OTEL_TRACES_EXPORTER", "console, none", "OTEL_TRACES_EXPORTER=none")]
    public void Resolve_SwitchedOff_TracesOffWithoutProblem(string key, string value, string reason)
    {
        var export = Resolve(("OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4317"), (key, value));

        Assert.False(export.Traces.Enabled);
        Assert.Equal(reason, export.Traces.DisabledReason);
        Assert.False(export.IsMisconfigured);
    }

    [Theory]
    [InlineData("OTEL_TRACES_EXPORTER", "zipkin", false)]
    [InlineData("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "collector:4317", false)]
    [InlineData("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "ftp://collector/traces", false)]
    [InlineData("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "http/json", true)]
    [InlineData("OTEL_EXPORTER_OTLP_PROTOCOL", "thrift", true)]
    [InlineData("OTEL_EXPORTER_OTLP_TRACES_TIMEOUT", "-5", true)]
    [InlineData("OTEL_EXPORTER_OTLP_TRACES_COMPRESSION", "zstd", true)]
    public void Resolve_UnusableSetting_ReportedAsProblem(string key, string value, bool stillEnabled)
    {
        var export = Resolve(("OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4317"), (key, value));

        Assert.Equal(stillEnabled, export.Traces.Enabled);
        Assert.True(export.Traces.IsMisconfigured);
        Assert.Contains(key, Assert.Single(export.Traces.Problems), StringComparison.Ordinal);
        Assert.True(export.IsMisconfigured);
        Assert.Contains(value.Trim(), export.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Resolve_BlankValues_TreatedAsUnset()
    {
        var export = Resolve(("OTEL_EXPORTER_OTLP_ENDPOINT", "   "), ("OTEL_EXPORTER_OTLP_PROTOCOL", ""));

        Assert.False(export.Traces.Enabled);
        Assert.False(export.IsMisconfigured);
    }

    private static TelemetryExportSettings Resolve(params (string Key, string Value)[] settings) =>
        TelemetryExportSettings.Resolve(OtlpSettings.Configuration(
            settings.Select(s => new KeyValuePair<string, string?>(s.Key, s.Value))));
}
