using System.Diagnostics;
using Diffusion.Grpc.Health;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using ServingStatus = Grpc.Health.V1.HealthCheckResponse.Types.ServingStatus;

namespace Diffusion.Hosting;

/// <summary>
/// Loads the model on a background thread once the host starts, runs the warm-up (one real forward
/// pass, so the first request does not pay for lazy initialisation), then fills the
/// <see cref="ModelSlot{T}"/> and reports SERVING for "" and the gRPC service. Until then health says
/// NOT_SERVING while the server already answers health checks. A failed load is logged and stops the
/// process with exit code 1 (an orchestrator restarts it). On shutdown health goes back to NOT_SERVING
/// before the server drains.
/// </summary>
internal sealed class ModelLoaderService<T>(
    ModelSlot<T> slot,
    ModelLoader<T> loader,
    HealthService health,
    IHostApplicationLifetime lifetime,
    ILogger<ModelLoaderService<T>> logger) : BackgroundService where T : class
{
    private CancellationTokenRegistration _stopping;

    public override Task StartAsync(CancellationToken cancellationToken)
    {
        // Before the server drains: callers (load balancers, the gateway) stop sending new work here.
        _stopping = lifetime.ApplicationStopping.Register(() => ServiceReadiness.SetAll(health, loader.GrpcService, ServingStatus.NotServing));
        return base.StartAsync(cancellationToken);
    }

    public override void Dispose()
    {
        _stopping.Dispose();
        base.Dispose();
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            var model = await Task.Run(() =>
            {
                var watch = Stopwatch.StartNew();
                var loaded = loader.Load();
                double loadMs = watch.Elapsed.TotalMilliseconds;
                try
                {
                    stoppingToken.ThrowIfCancellationRequested();
                    watch.Restart();
                    loader.WarmUp(loaded);
                }
                catch
                {
                    (loaded as IDisposable)?.Dispose();
                    throw;
                }
                logger.LogInformation("{Service}: model loaded in {LoadMs:0} ms, warmed up in {WarmUpMs:0} ms",
                    loader.GrpcService, loadMs, watch.Elapsed.TotalMilliseconds);
                return loaded;
            }, stoppingToken).ConfigureAwait(false);
            slot.Set(model);
            if (!stoppingToken.IsCancellationRequested)
                ServiceReadiness.SetAll(health, loader.GrpcService, ServingStatus.Serving);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            slot.Fail(new OperationCanceledException("the service stopped before its model was ready"));
        }
        catch (Exception ex)
        {
            slot.Fail(ex);
            logger.LogCritical(ex, "{Service}: the model could not be loaded: {Message}", loader.GrpcService, ex.Message);
            Environment.ExitCode = 1;
            // Stopping while the server is still binding would fail StartAsync with a bare
            // cancellation; stop once it has started (at once if it already has).
            lifetime.ApplicationStarted.Register(lifetime.StopApplication);
        }
    }
}

/// <summary>How a service loads and warms up its model; registered with
/// <see cref="ServiceHost.AddModel{T}"/>.</summary>
/// <param name="GrpcService">The full gRPC service name whose health this model gates.</param>
/// <param name="Load">Loads the model (runs on a thread-pool thread).</param>
/// <param name="WarmUp">Runs one real forward pass on the loaded model.</param>
public sealed record ModelLoader<T>(string GrpcService, Func<T> Load, Action<T> WarmUp) where T : class;

/// <summary>Health statuses of a model service.</summary>
public static class ServiceReadiness
{
    /// <summary>Sets <paramref name="status"/> for the whole server ("") and for <paramref name="grpcService"/>.</summary>
    public static void SetAll(HealthService health, string grpcService, ServingStatus status)
    {
        ArgumentNullException.ThrowIfNull(health);
        health.SetStatus("", status);
        health.SetStatus(grpcService, status);
    }
}
