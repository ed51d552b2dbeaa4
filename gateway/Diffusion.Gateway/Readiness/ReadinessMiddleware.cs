using Diffusion.Gateway.Options;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;

namespace Diffusion.Gateway.Readiness;

/// <summary>
/// Before grpc.health.v1.Health/Check answers, describes the downstreams again when the last
/// round is older than <see cref="DeadlineOptions.ReadinessMaxAge"/>, so a readiness probe sees
/// the services as they are now rather than as the last periodic round saw them. It waits for
/// that round at most <see cref="DeadlineOptions.ReadinessCheckWait"/> (probes have short
/// timeouts; an unanswered probe must not look like a hung gateway), then answers with what is
/// known while the round goes on.
/// </summary>
internal sealed class ReadinessMiddleware(RequestDelegate next, DownstreamCatalog catalog, IOptions<GatewayOptions> options, TimeProvider time)
{
    public const string HealthCheckPath = "/grpc.health.v1.Health/Check";

    public async Task InvokeAsync(HttpContext context)
    {
        if (context.Request.Path.Equals(HealthCheckPath, StringComparison.Ordinal))
        {
            var current = catalog.Current;
            if (current is null || time.GetUtcNow().UtcDateTime - current.CheckedAt > options.Value.Deadlines.ReadinessMaxAge)
            {
                try
                {
                    await catalog.RefreshAsync(context.RequestAborted)
                        .WaitAsync(options.Value.Deadlines.ReadinessCheckWait, time, context.RequestAborted).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
                {
                    return;
                }
                catch (TimeoutException)
                {
                    // Answer with the last known status; the round finishes in the background.
                }
            }
        }
        await next(context).ConfigureAwait(false);
    }
}
