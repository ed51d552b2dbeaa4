using Diffusion.Gateway.Options;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Diffusion.Gateway.Readiness;

/// <summary>Describes the downstreams at start-up, then again every
/// <see cref="DeadlineOptions.ReadinessInterval"/> while ready and every
/// <see cref="DeadlineOptions.ReadinessRetryInterval"/> while not.</summary>
internal sealed class ReadinessMonitor(DownstreamCatalog catalog, IOptions<GatewayOptions> options, ILogger<ReadinessMonitor> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var deadlines = options.Value.Deadlines;
        while (!stoppingToken.IsCancellationRequested)
        {
            bool ready = false;
            try
            {
                ready = (await catalog.RefreshAsync(stoppingToken).ConfigureAwait(false)).IsReady;
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                logger.LogError(ex, "Describing the downstream services failed");
            }

            try
            {
                await Task.Delay(ready ? deadlines.ReadinessInterval : deadlines.ReadinessRetryInterval, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }
}
