using System.Diagnostics;
using System.Text.Json;
using Diffusion.ServiceDefaults.Telemetry;
using Diffusion.ServiceDefaults.Tests.Support;
using Diffusion.Testing.Otlp;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OpenTelemetry.Logs;

namespace Diffusion.ServiceDefaults.Tests.Telemetry;

public sealed partial class LoggingTests
{
    [Theory]
    [InlineData(OtlpSettings.Grpc)]
    [InlineData(OtlpSettings.HttpProtobuf)]
    public async Task AddDiffusionDefaults_LogInsideSpan_OtlpRecordCarriesTraceAndSpanIds(string protocol)
    {
        await using var receiver = await OtlpReceiver.StartAsync();
        using var host = TestHosts.CreateHost(
            "denoiser",
            OtlpSettings.For(receiver, protocol),
            options => options.ExportScheduleDelay = TimeSpan.FromMinutes(10));
        await host.StartAsync();
        var logger = host.Services.GetRequiredService<ILogger<LoggingTests>>();

        Activity step;
        using (step = DiffusionActivitySources.Denoiser.StartActivity(DiffusionSpanNames.DenoiseStep)!)
        {
            LogStepFinished(logger, 3, 41.5);
        }

        LogOutsideSpan(logger);

        // The schedule delay is long: only ForceFlush (which includes the host's log provider) sends them.
        Assert.True(host.Telemetry().ForceFlush(OtlpSettings.FlushTimeout));

        var records = receiver.LogRecords.Where(r => r.CategoryName == typeof(LoggingTests).FullName).ToArray();
        Assert.Equal(2, records.Length);
        var inside = Assert.Single(records, r => r.EventName == nameof(LogStepFinished));
        Assert.Equal(step.TraceId.ToHexString(), inside.TraceId);
        Assert.Equal(step.SpanId.ToHexString(), inside.SpanId);
        Assert.Equal("Step 3 finished in 41.5 ms", inside.Body);
        Assert.Equal(3L, inside.Attributes["StepIndex"]);
        Assert.Equal(41.5, inside.Attributes["Milliseconds"]);
        Assert.Equal("Information", inside.SeverityText);
        Assert.Equal(9, inside.SeverityNumber);
        Assert.Equal("denoiser", inside.ServiceName);

        var outside = Assert.Single(records, r => r.EventName == nameof(LogOutsideSpan));
        Assert.Null(outside.TraceId);
        Assert.Null(outside.SpanId);
        Assert.Equal(13, outside.SeverityNumber);
    }

    [Fact]
    public async Task AddDiffusionDefaults_NoLogsEndpoint_NoOpenTelemetryLoggerRegistered()
    {
        await using var receiver = await OtlpReceiver.StartAsync();
        var settings = new Dictionary<string, string?>
        {
            ["OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"] = receiver.TracesEndpoint.ToString(),
            ["OTEL_EXPORTER_OTLP_TRACES_PROTOCOL"] = OtlpSettings.HttpProtobuf,
        };
        using var host = TestHosts.CreateHost("denoiser", settings);

        Assert.Null(host.Services.GetService<LoggerProvider>());
        Assert.DoesNotContain(host.Services.GetServices<ILoggerProvider>(), p => p is OpenTelemetryLoggerProvider);
        Assert.False(host.Telemetry().Export.Logs.Enabled);
    }

    [Theory]
    [InlineData(ConsoleLogFormat.Json)]
    [InlineData(ConsoleLogFormat.Simple)]
    public async Task AddDiffusionDefaults_ConsoleFormat_LinesCarryTraceAndSpanIds(ConsoleLogFormat format)
    {
        var console = new StringWriter();
        var original = Console.Out;
        Activity span;
        try
        {
            // The console logger captures Console.Out when its provider is built.
            Console.SetOut(TextWriter.Synchronized(console));
            var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
            builder.Configuration.AddInMemoryCollection([]);
            builder.AddDiffusionDefaults("text-encoder", options => options.ConsoleLogFormat = format);
            using (var host = builder.Build())
            {
                await host.StartAsync();
                var logger = host.Services.GetRequiredService<ILogger<LoggingTests>>();
                using (span = DiffusionActivitySources.TextEncoder.StartActivity(DiffusionSpanNames.EncodeText)!)
                {
                    LogStepFinished(logger, 5, 12.25);
                }

                await host.StopAsync();
            }

            // Disposing the host drained the console logger's queue.
        }
        finally
        {
            Console.SetOut(original);
        }

        var traceId = span.TraceId.ToHexString();
        var spanId = span.SpanId.ToHexString();
        var lines = console.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var line = Assert.Single(lines, l => l.Contains("Step 5 finished", StringComparison.Ordinal));
        if (format == ConsoleLogFormat.Json)
        {
            using var json = JsonDocument.Parse(line);
            var scopes = json.RootElement.GetProperty("Scopes").EnumerateArray().ToArray();
            Assert.Contains(scopes, s => s.TryGetProperty("TraceId", out var id) && id.GetString() == traceId);
            Assert.Contains(scopes, s => s.TryGetProperty("SpanId", out var id) && id.GetString() == spanId);
            Assert.Equal("Information", json.RootElement.GetProperty("LogLevel").GetString());
        }
        else
        {
            Assert.Contains($"TraceId:{traceId}", line, StringComparison.Ordinal);
            Assert.Contains($"SpanId:{spanId}", line, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData(null, LogLevel.Information, "traces: off (neither OTEL_EXPORTER_OTLP_ENDPOINT nor OTEL_EXPORTER_OTLP_TRACES_ENDPOINT is set)")]
    [InlineData("collector:4317", LogLevel.Warning, "OTEL_EXPORTER_OTLP_ENDPOINT='collector:4317' is not an absolute http(s) URL")]
    public async Task StartAsync_ExportSettings_OneStartupLineSaysWhatIsExported(string? endpoint, LogLevel level, string expected)
    {
        var capture = new CapturingLoggerProvider();
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection([new("OTEL_EXPORTER_OTLP_ENDPOINT", endpoint)]);
        builder.Logging.AddProvider(capture);
        builder.AddDiffusionDefaults("vae-codec", options => options.ConsoleLogFormat = ConsoleLogFormat.Unchanged);
        using var host = builder.Build();

        await host.StartAsync();
        await host.StopAsync();

        var line = Assert.Single(capture.Entries, e => e.Category.EndsWith("TelemetryLifetimeService", StringComparison.Ordinal));
        Assert.Equal(level, line.Level);
        Assert.StartsWith("Telemetry for service vae-codec", line.Message, StringComparison.Ordinal);
        Assert.Contains(expected, line.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AddDiffusionDefaults_CalledTwice_Throws()
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.AddDiffusionDefaults("denoiser");

        Assert.Throws<InvalidOperationException>(() => builder.AddDiffusionDefaults("denoiser"));
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Step {StepIndex} finished in {Milliseconds} ms")]
    private static partial void LogStepFinished(ILogger logger, int stepIndex, double milliseconds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Queue is full")]
    private static partial void LogOutsideSpan(ILogger logger);
}
