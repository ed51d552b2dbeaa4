using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OpenTelemetry.Logs;

namespace Diffusion.ServiceDefaults.Telemetry;

/// <summary>Structured logging with trace correlation: console output and, when configured, OTLP log export.</summary>
internal static class DiffusionLogging
{
    public static void Configure(
        ILoggingBuilder logging,
        IHostEnvironment environment,
        DiffusionTelemetryOptions options,
        SignalExportSettings logsExport)
    {
        // The logger factory pushes the current Activity's ids as the first scope of every entry,
        // so console lines can be joined with the trace in Jaeger. OTLP log records carry the ids
        // in their own fields anyway; with IncludeScopes they also get this scope as TraceId,
        // SpanId and ParentId attributes, a small duplication accepted to keep the request scopes
        // (RequestId, RequestPath) that ASP.NET Core adds.
        logging.Configure(factory => factory.ActivityTrackingOptions =
            ActivityTrackingOptions.TraceId | ActivityTrackingOptions.SpanId | ActivityTrackingOptions.ParentId);

        var format = options.ConsoleLogFormat == ConsoleLogFormat.Auto
            ? environment.IsDevelopment() ? ConsoleLogFormat.Simple : ConsoleLogFormat.Json
            : options.ConsoleLogFormat;
        switch (format)
        {
            case ConsoleLogFormat.Json:
                logging.AddJsonConsole(json =>
                {
                    json.IncludeScopes = true;
                    json.UseUtcTimestamp = true;
                    json.TimestampFormat = "yyyy-MM-dd'T'HH:mm:ss.fff'Z'";
                });
                break;
            case ConsoleLogFormat.Simple:
                logging.AddSimpleConsole(simple =>
                {
                    simple.IncludeScopes = true;
                    simple.SingleLine = true;
                    simple.UseUtcTimestamp = true;
                    simple.TimestampFormat = "HH:mm:ss.fff ";
                });
                break;
            case ConsoleLogFormat.Unchanged:
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(options), format, "Unknown console log format.");
        }

        if (!logsExport.Enabled)
        {
            return;
        }

        logging.AddOpenTelemetry(otel =>
        {
            otel.IncludeFormattedMessage = true;
            otel.IncludeScopes = true;
            otel.SetResourceBuilder(DiffusionResource.CreateBuilder(options));
            otel.AddOtlpExporter((exporter, processor) =>
            {
                logsExport.Overrides.ApplyTo(exporter);
                if (options.ExportScheduleDelay is { } delay)
                {
                    processor.BatchExportProcessorOptions.ScheduledDelayMilliseconds = (int)Math.Ceiling(delay.TotalMilliseconds);
                }
            });
        });
    }
}
