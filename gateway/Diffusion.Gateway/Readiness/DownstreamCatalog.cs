using Diffusion.Contracts.Rpc;
using Diffusion.Contracts.V1;
using Diffusion.Gateway.Downstream;
using Diffusion.Gateway.Options;
using Diffusion.Gateway.Resilience;
using Diffusion.Grpc;
using Diffusion.Grpc.Health;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ServingStatus = Grpc.Health.V1.HealthCheckResponse.Types.ServingStatus;

namespace Diffusion.Gateway.Readiness;

/// <summary>
/// Describes the downstream services, checks them compatible and publishes the result as the
/// gateway's health (SERVING only when all three answer and fit together). Concurrent refreshes
/// share one round of calls.
/// </summary>
internal sealed class DownstreamCatalog : IDisposable
{
    private readonly DownstreamSet _downstreams;
    private readonly HealthService _health;
    private readonly GatewayOptions _options;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly CancellationTokenSource _disposed = new();
    private readonly Lock _gate = new();
    private Task<ReadinessSnapshot>? _refresh;
    private volatile ReadinessSnapshot? _current;

    public DownstreamCatalog(DownstreamSet downstreams, HealthService health, IOptions<GatewayOptions> options,
        ILogger<DownstreamCatalog> logger, TimeProvider time)
    {
        _downstreams = downstreams;
        _health = health;
        _options = options.Value;
        _logger = logger;
        _time = time;
    }

    /// <summary>The last round's outcome; null before the first one ended.</summary>
    public ReadinessSnapshot? Current => _current;

    /// <summary>The descriptions when ready; otherwise describes again and throws the problem.</summary>
    /// <exception cref="RpcException">UNAVAILABLE or FAILED_PRECONDITION, naming the service(s).</exception>
    public async Task<DownstreamDescriptions> GetReadyAsync(CancellationToken cancellationToken)
    {
        if (_current is { IsReady: true } ready)
            return ready.Descriptions!;
        var snapshot = await RefreshAsync(cancellationToken).ConfigureAwait(false);
        return snapshot.IsReady ? snapshot.Descriptions! : throw snapshot.Problem!;
    }

    /// <summary>Describes the three services now (or joins the round in progress).</summary>
    public Task<ReadinessSnapshot> RefreshAsync(CancellationToken cancellationToken)
    {
        Task<ReadinessSnapshot> refresh;
        lock (_gate)
        {
            if (_refresh is null || _refresh.IsCompleted)
                _refresh = RefreshCoreAsync();
            refresh = _refresh;
        }
        return refresh.WaitAsync(cancellationToken);
    }

    public void Dispose()
    {
        _disposed.Cancel();
        _disposed.Dispose();
    }

    private async Task<ReadinessSnapshot> RefreshCoreAsync()
    {
        var token = _disposed.Token;
        var timeout = _options.Deadlines.Describe;
        var encoder = DescribeAsync(_downstreams.TextEncoder, TextEncoderMethods.Describe, timeout, token);
        var denoiser = DescribeAsync(_downstreams.Denoiser, DenoiserMethods.Describe, timeout, token);
        var vae = DescribeAsync(_downstreams.VaeCodec, VaeCodecMethods.Describe, timeout, token);
        await Task.WhenAll(encoder, denoiser, vae).ConfigureAwait(false);

        var unreachable = new[] { encoder.Result.Error, denoiser.Result.Error, vae.Result.Error }.OfType<string>().ToList();
        ReadinessSnapshot snapshot;
        if (unreachable.Count > 0)
        {
            snapshot = new ReadinessSnapshot(Now(), null,
                new RpcException(new Status(StatusCode.Unavailable, string.Join("; ", unreachable))));
        }
        else
        {
            var descriptions = new DownstreamDescriptions(encoder.Result.Value!, denoiser.Result.Value!, vae.Result.Value!);
            var problems = CompatibilityCheck.FindProblems(descriptions);
            snapshot = problems.Count == 0
                ? new ReadinessSnapshot(Now(), descriptions, null)
                : new ReadinessSnapshot(Now(), descriptions, new RpcException(new Status(StatusCode.FailedPrecondition,
                    "The model services are incompatible: " + string.Join("; ", problems))));
        }

        Publish(snapshot);
        return snapshot;
    }

    private void Publish(ReadinessSnapshot snapshot)
    {
        var previous = _current;
        _current = snapshot;
        var status = snapshot.IsReady ? ServingStatus.Serving : ServingStatus.NotServing;
        _health.SetStatus("", status);
        _health.SetStatus(GatewayMethods.Service, status);
        if (previous?.IsReady == snapshot.IsReady && previous?.Problem?.Status == snapshot.Problem?.Status)
            return;
        if (snapshot.IsReady)
        {
            var d = snapshot.Descriptions!;
            _logger.LogInformation("Ready: text encoder '{Encoder}' ({Hidden}-dim), UNet '{Model}' ({Schedulers} schedulers), VAE '{Vae}' (x{Factor})",
                d.Encoder.Name, d.Encoder.HiddenSize, d.Denoiser.Model, d.Denoiser.Schedulers.Count, d.Vae.Model, d.Vae.DownscaleFactor);
        }
        else
        {
            _logger.LogWarning("Not serving: {Problem}", snapshot.Problem!.Status.Detail);
        }
    }

    private DateTime Now() => _time.GetUtcNow().UtcDateTime;

    private static async Task<(T? Value, string? Error)> DescribeAsync<T>(DownstreamService service,
        Grpc.Method<DescribeRequest, T> method, TimeSpan timeout, CancellationToken cancellationToken)
        where T : class, Google.Protobuf.IMessage<T>
    {
        try
        {
            return (await service.DescribeAsync(method, timeout, cancellationToken).ConfigureAwait(false), null);
        }
        catch (RpcException ex)
        {
            return (null, $"{service.Name} unavailable ({RetryRules.StatusName(ex.StatusCode)}: {ex.Status.Detail})");
        }
    }
}
