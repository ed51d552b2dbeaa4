namespace Diffusion.Grpc.Client;

public enum EndpointHealth
{
    /// <summary>Takes calls.</summary>
    Ready,

    /// <summary>Its last connection failed: skipped until a probe (after a backoff) succeeds.</summary>
    Unhealthy,
}

/// <summary>A snapshot of one endpoint of a channel, for diagnostics.</summary>
public sealed record EndpointState(
    Uri Address,
    EndpointHealth Health,
    int OutstandingCalls,
    int ConsecutiveFailures,
    DateTimeOffset? NextProbeAt,
    string? LastError);
