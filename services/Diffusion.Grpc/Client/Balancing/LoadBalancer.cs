using System.Net.Sockets;

namespace Diffusion.Grpc.Client;

/// <summary>
/// Client-side balancing: keeps the resolver's endpoints, picks one per call, takes endpoints whose
/// connections fail out of rotation and probes them back in with exponential backoff.
/// </summary>
internal sealed class LoadBalancer : IDisposable
{
    private static readonly TimeSpan MinResolveGap = TimeSpan.FromSeconds(1);

    private readonly IAddressResolver _resolver;
    private readonly GrpcChannelOptions _options;
    private readonly Func<Endpoint, CancellationToken, Task<bool>> _healthProbe;
    private readonly CancellationTokenSource _disposed = new();
    private readonly TaskCompletionSource _firstResolution = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly SemaphoreSlim _refresh = new(0, 1);
    private volatile Endpoint[] _endpoints = [];
    private Exception? _resolveError;
    private int _next;

    /// <param name="healthProbe">Probes one endpoint with a health check (used when <see cref="GrpcChannelOptions.HealthCheckProbes"/>).</param>
    public LoadBalancer(IAddressResolver resolver, GrpcChannelOptions options, Func<Endpoint, CancellationToken, Task<bool>> healthProbe)
    {
        _resolver = resolver;
        _options = options;
        _healthProbe = healthProbe;
        _ = ResolveLoopAsync();
    }

    public IReadOnlyList<EndpointState> GetStates() => _endpoints.Select(e => e.Snapshot()).ToArray();

    /// <summary>
    /// The endpoint for the next call: a ready one by the policy; if none is ready, the unhealthy one
    /// due soonest (so a lone endpoint's call fails fast with UNAVAILABLE or finds it back).
    /// </summary>
    public async ValueTask<Endpoint> PickAsync(IReadOnlyCollection<Endpoint>? exclude, CancellationToken cancellationToken)
    {
        if (!_firstResolution.Task.IsCompleted)
        {
            await _firstResolution.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        }

        var endpoints = _endpoints;
        if (endpoints.Length == 0)
        {
            var reason = _resolveError is null ? "the resolver returned no addresses" : "name resolution failed: " + _resolveError.Message;
            throw new RpcException(new Status(StatusCode.Unavailable, "No endpoint to call: " + reason));
        }

        var start = (int)((uint)Interlocked.Increment(ref _next) % (uint)endpoints.Length);
        Endpoint? best = null;
        for (var i = 0; i < endpoints.Length; i++)
        {
            var candidate = endpoints[(start + i) % endpoints.Length];
            if (candidate.Health != EndpointHealth.Ready || (exclude?.Contains(candidate) ?? false))
            {
                continue;
            }

            if (_options.LoadBalancingPolicy == LoadBalancingPolicy.RoundRobin)
            {
                best = candidate;
                break;
            }

            if (best is null || candidate.OutstandingCalls < best.OutstandingCalls)
            {
                best = candidate;
            }
        }

        best ??= endpoints
            .Where(e => !(exclude?.Contains(e) ?? false))
            .OrderBy(e => e.NextProbeAt ?? DateTimeOffset.MinValue)
            .FirstOrDefault();
        return best ?? throw new RpcException(new Status(StatusCode.Unavailable, "Every endpoint failed to connect."));
    }

    /// <summary>A connection to <paramref name="endpoint"/> failed: out of rotation until a probe succeeds.</summary>
    public void ReportTransportFailure(Endpoint endpoint, Exception error) => ReportFailure(endpoint, error.Message, probe: null);

    private void ReportFailure(Endpoint endpoint, string error, long? probe)
    {
        if (endpoint.MarkUnhealthy(error, _options.InitialReconnectBackoff, _options.MaxReconnectBackoff, probe) is { } next)
        {
            _ = ProbeAfterAsync(endpoint, next.Delay, next.Generation);
        }

        RequestRefresh();
    }

    /// <summary>A call got a response from <paramref name="endpoint"/>: it is reachable.</summary>
    public static void ReportSuccess(Endpoint endpoint) => endpoint.MarkReady();

    public void Dispose()
    {
        _disposed.Cancel();
        _disposed.Dispose();
    }

    private void RequestRefresh()
    {
        try
        {
            if (_refresh.CurrentCount == 0)
            {
                _refresh.Release();
            }
        }
        catch (SemaphoreFullException)
        {
            // A refresh is already pending.
        }
    }

    private async Task ResolveLoopAsync()
    {
        var token = _disposed.Token;
        while (!token.IsCancellationRequested)
        {
            try
            {
                var addresses = await _resolver.ResolveAsync(token).ConfigureAwait(false);
                Update(addresses);
                _resolveError = null;
            }
            catch (OperationCanceledException) when (token.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                // Keep the endpoints we have; calls fail only if there were none.
                _resolveError = ex;
            }

            _firstResolution.TrySetResult();
            try
            {
                await Task.Delay(MinResolveGap, token).ConfigureAwait(false);
                await _refresh.WaitAsync(_options.ResolveInterval - MinResolveGap > TimeSpan.Zero ? _options.ResolveInterval - MinResolveGap : TimeSpan.Zero, token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private void Update(IReadOnlyList<BalancerAddress> addresses)
    {
        var current = _endpoints;
        var updated = new List<Endpoint>(addresses.Count);
        foreach (var address in addresses.DistinctBy(a => a.Address))
        {
            // Known endpoints keep their health and counters across resolutions.
            updated.Add(current.FirstOrDefault(e => e.Address == address.Address && e.Authority == address.Authority)
                ?? new Endpoint(address.Address, address.Authority));
        }

        _endpoints = [.. updated];
    }

    private async Task ProbeAfterAsync(Endpoint endpoint, TimeSpan delay, long generation)
    {
        var token = _disposed.Token;
        try
        {
            await Task.Delay(delay, token).ConfigureAwait(false);
            if (!endpoint.IsPendingProbe(generation) || !_endpoints.Contains(endpoint))
            {
                return;
            }

            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(token);
            timeout.CancelAfter(_options.ConnectTimeout);
            bool healthy;
            string? error = null;
            try
            {
                healthy = _options.HealthCheckProbes
                    ? await _healthProbe(endpoint, timeout.Token).ConfigureAwait(false)
                    : await CanConnectAsync(endpoint.Address, timeout.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !token.IsCancellationRequested)
            {
                healthy = false;
                error = ex.Message;
            }

            if (healthy)
            {
                endpoint.MarkReady();
            }
            else
            {
                ReportFailure(endpoint, error ?? "health check: not serving", generation);
            }
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            // Channel disposed.
        }
    }

    private static async Task<bool> CanConnectAsync(Uri address, CancellationToken cancellationToken)
    {
        using var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await socket.ConnectAsync(address.Host, address.Port, cancellationToken).ConfigureAwait(false);
        return true;
    }
}

/// <summary>One address of a channel and its health.</summary>
internal sealed class Endpoint(Uri address, string? authority)
{
    private readonly object _gate = new();
    private int _outstanding;
    private bool _probePending;
    private long _probeGeneration;

    public Uri Address { get; } = address;

    public string? Authority { get; } = authority;

    private readonly string _baseAddress = address.GetLeftPart(UriPartial.Authority);
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, Uri> _methodUris = new(StringComparer.Ordinal);

    /// <summary>The request URI of a method on this endpoint (parsed once, not per call).</summary>
    public Uri GetMethodUri(string methodPath) =>
        _methodUris.GetOrAdd(methodPath, static (path, baseAddress) => new Uri(baseAddress + path), _baseAddress);

    public EndpointHealth Health { get; private set; } = EndpointHealth.Ready;

    public int ConsecutiveFailures { get; private set; }

    public DateTimeOffset? NextProbeAt { get; private set; }

    public string? LastError { get; set; }

    public int OutstandingCalls => Volatile.Read(ref _outstanding);

    public void CallStarted() => Interlocked.Increment(ref _outstanding);

    public void CallEnded() => Interlocked.Decrement(ref _outstanding);

    /// <summary>
    /// Takes the endpoint out of rotation. Schedules one probe chain: a failure reported while a probe
    /// is pending schedules nothing, a probe's own failure (<paramref name="probe"/>) schedules the next.
    /// </summary>
    /// <returns>The backoff before the next probe and its generation, or null when one is already pending.</returns>
    public (TimeSpan Delay, long Generation)? MarkUnhealthy(string error, TimeSpan initialBackoff, TimeSpan maxBackoff, long? probe = null)
    {
        lock (_gate)
        {
            LastError = error;
            Health = EndpointHealth.Unhealthy;
            if (probe is { } generation)
            {
                if (generation != _probeGeneration)
                {
                    return null;
                }

                _probePending = false;
            }

            if (_probePending)
            {
                return null;
            }

            ConsecutiveFailures++;
            // Exponential backoff with ±20% jitter, so replicas of a client do not probe in step.
            var exponent = Math.Min(ConsecutiveFailures - 1, 16);
            var backoff = Math.Min(initialBackoff.TotalMilliseconds * Math.Pow(2, exponent), maxBackoff.TotalMilliseconds);
            backoff *= 0.8 + (Random.Shared.NextDouble() * 0.4);
            var delay = TimeSpan.FromMilliseconds(backoff);
            NextProbeAt = DateTimeOffset.UtcNow + delay;
            _probePending = true;
            return (delay, ++_probeGeneration);
        }
    }

    /// <summary>Whether <paramref name="generation"/> is still the probe to run (not superseded, endpoint not back).</summary>
    public bool IsPendingProbe(long generation)
    {
        lock (_gate)
        {
            return _probePending && generation == _probeGeneration;
        }
    }

    public void MarkReady()
    {
        if (Health == EndpointHealth.Ready && ConsecutiveFailures == 0)
        {
            return;
        }

        lock (_gate)
        {
            Health = EndpointHealth.Ready;
            ConsecutiveFailures = 0;
            NextProbeAt = null;
            _probePending = false;
            _probeGeneration++;
        }
    }

    public EndpointState Snapshot()
    {
        lock (_gate)
        {
            return new EndpointState(Address, Health, OutstandingCalls, ConsecutiveFailures, NextProbeAt, LastError);
        }
    }
}
