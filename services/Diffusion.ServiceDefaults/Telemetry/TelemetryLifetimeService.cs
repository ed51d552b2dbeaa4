using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Diffusion.ServiceDefaults.Telemetry;

/// <summary>
/// Ties <see cref="DiffusionTelemetry"/> to the host's lifetime. Taking it as a constructor
/// argument builds the providers when the host resolves its hosted services, which is before the
/// server accepts the first request, so no early span is missed. On stop it flushes what is
/// buffered while the exporters still run; the container then disposes the providers.
/// </summary>
internal sealed partial class TelemetryLifetimeService(
    DiffusionTelemetry telemetry,
    DiffusionTelemetryOptions options,
    ILogger<TelemetryLifetimeService> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        var export = telemetry.Export;
        if (export.IsMisconfigured)
        {
            LogMisconfigured(logger, telemetry.ServiceName, export.ToString());
        }
        else
        {
            LogStarted(logger, telemetry.ServiceName, export.ToString());
        }

        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        // ForceFlush blocks on network I/O; keep it off the caller's thread and stop waiting when
        // the host's shutdown timeout fires first (disposal flushes once more afterwards).
        bool flushed;
        try
        {
            flushed = await Task.Run(() => telemetry.ForceFlush(options.ShutdownFlushTimeout), CancellationToken.None)
                .WaitAsync(cancellationToken)
                .ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            flushed = false;
        }

        if (!flushed)
        {
            LogFlushIncomplete(logger, options.ShutdownFlushTimeout.TotalSeconds);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Telemetry for service {ServiceName}: {Export}")]
    private static partial void LogStarted(ILogger logger, string serviceName, string export);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Telemetry for service {ServiceName} is partly misconfigured: {Export}")]
    private static partial void LogMisconfigured(ILogger logger, string serviceName, string export);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Telemetry flush at shutdown did not complete within {TimeoutSeconds} s; some spans or metrics may be lost")]
    private static partial void LogFlushIncomplete(ILogger logger, double timeoutSeconds);
}
