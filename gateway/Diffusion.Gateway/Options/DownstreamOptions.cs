namespace Diffusion.Gateway.Options;

/// <summary>Where a downstream service is and how calls to it are retried and broken.</summary>
public class DownstreamOptions
{
    /// <summary>"http://host:port" (h2c) or "https://host:port" (TLS). For the denoiser also
    /// "dns:///host:port": every A/AAAA record of the name becomes one replica (a Kubernetes
    /// headless service), re-resolved every <see cref="DenoiserOptions.ResolveInterval"/>.</summary>
    public string Address { get; set; } = string.Empty;

    /// <summary>Attempts per call, the first included (1 = no retry). Retries happen only on
    /// UNAVAILABLE, and on RESOURCE_EXHAUSTED that carries a grpc-retry-pushback-ms hint.</summary>
    public int MaxAttempts { get; set; } = 3;

    /// <summary>Backoff before the first retry; doubles per retry up to <see cref="MaxBackoff"/>,
    /// with jitter.</summary>
    public TimeSpan InitialBackoff { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>Upper bound of one backoff.</summary>
    public TimeSpan MaxBackoff { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Failed calls, with none succeeding, that open the circuit (at least 2).</summary>
    public int BreakerFailureThreshold { get; set; } = 5;

    /// <summary>Window in which <see cref="BreakerFailureThreshold"/> failures must fall.</summary>
    public TimeSpan BreakerSamplingDuration { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long an open circuit fails calls fast before it lets one probe through (half-open).</summary>
    public TimeSpan BreakerBreakDuration { get; set; } = TimeSpan.FromSeconds(10);

    internal virtual void Validate(string name, bool allowDns)
    {
        ValidateTargets(name, allowDns);
        if (MaxAttempts is < 1 or > 10)
            throw GatewayOptions.Invalid(name + ":MaxAttempts", $"{MaxAttempts} is outside 1..10");
        if (InitialBackoff < TimeSpan.Zero || MaxBackoff < InitialBackoff)
            throw GatewayOptions.Invalid(name + ":InitialBackoff", "must be >= 0 and <= MaxBackoff");
        if (BreakerFailureThreshold < 2)
            throw GatewayOptions.Invalid(name + ":BreakerFailureThreshold", "must be at least 2");
        // Polly's circuit breaker refuses windows and breaks shorter than 500 ms.
        if (BreakerSamplingDuration < TimeSpan.FromMilliseconds(500))
            throw GatewayOptions.Invalid(name + ":BreakerSamplingDuration", "must be at least 500 ms");
        if (BreakerBreakDuration < TimeSpan.FromMilliseconds(500))
            throw GatewayOptions.Invalid(name + ":BreakerBreakDuration", "must be at least 500 ms");
    }

    /// <summary>Checks the address keys; throws naming the bad one.</summary>
    internal virtual void ValidateTargets(string name, bool allowDns)
    {
        if (string.IsNullOrWhiteSpace(Address))
            throw GatewayOptions.Invalid(name + ":Address", "is required");
        DownstreamAddress.Parse(Address, name + ":Address", allowDns);
    }
}

/// <summary>The denoiser replicas: one address, a list, or a DNS name resolved into one address per pod.</summary>
public sealed class DenoiserOptions : DownstreamOptions
{
    /// <summary>Sets the single-target default.</summary>
    public DenoiserOptions() => Address = "http://localhost:50052";

    /// <summary>Replica addresses ("http://host:port" each); when not empty it replaces <see cref="DownstreamOptions.Address"/>.</summary>
    public List<string> Addresses { get; set; } = [];

    /// <summary>How often a "dns:///" target is resolved again (also soon after a replica fails).</summary>
    public TimeSpan ResolveInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Probe failed replicas with grpc.health.v1 Check (SERVING re-admits them) instead of a TCP connect.</summary>
    public bool HealthCheckProbes { get; set; } = true;

    /// <summary>First wait before a failed replica is probed again; doubles per failed probe up to 30 s.</summary>
    public TimeSpan ReconnectBackoff { get; set; } = TimeSpan.FromSeconds(1);

    internal override void ValidateTargets(string name, bool allowDns)
    {
        if (Addresses.Count == 0)
        {
            base.ValidateTargets(name, allowDns);
            return;
        }
        for (int i = 0; i < Addresses.Count; i++)
            DownstreamAddress.Parse(Addresses[i], $"{name}:Addresses:{i}", allowDns: false);
    }

    internal override void Validate(string name, bool allowDns)
    {
        base.Validate(name, allowDns);
        if (ResolveInterval < TimeSpan.FromSeconds(1))
            throw GatewayOptions.Invalid(name + ":ResolveInterval", "must be at least 1 s");
        if (ReconnectBackoff <= TimeSpan.Zero || ReconnectBackoff > TimeSpan.FromSeconds(30))
            throw GatewayOptions.Invalid(name + ":ReconnectBackoff", "must be in (0, 30 s]");
    }
}
