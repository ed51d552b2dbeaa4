namespace Diffusion.Gateway.Options;

/// <summary>Deadlines of generations and of the readiness checks.</summary>
public sealed class DeadlineOptions
{
    /// <summary>Longest a generation may take; a client's shorter grpc-timeout wins. Every
    /// downstream attempt carries what remains of it.</summary>
    public TimeSpan Generate { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>Deadline of one Describe call (start-up, readiness).</summary>
    public TimeSpan Describe { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How often the downstreams are described again while the gateway is ready.</summary>
    public TimeSpan ReadinessInterval { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>How often they are described again while it is not (unreachable or incompatible).</summary>
    public TimeSpan ReadinessRetryInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>A health Check finding the last description older than this describes again first.</summary>
    public TimeSpan ReadinessMaxAge { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How long such a Check waits for that round before answering with the last known status.</summary>
    public TimeSpan ReadinessCheckWait { get; set; } = TimeSpan.FromMilliseconds(500);

    internal void Validate()
    {
        if (Generate <= TimeSpan.Zero)
            throw GatewayOptions.Invalid("Deadlines:Generate", "must be positive");
        if (Describe <= TimeSpan.Zero)
            throw GatewayOptions.Invalid("Deadlines:Describe", "must be positive");
        if (ReadinessInterval <= TimeSpan.Zero || ReadinessRetryInterval <= TimeSpan.Zero)
            throw GatewayOptions.Invalid("Deadlines:ReadinessInterval", "intervals must be positive");
        if (ReadinessMaxAge < TimeSpan.Zero)
            throw GatewayOptions.Invalid("Deadlines:ReadinessMaxAge", "must not be negative");
        if (ReadinessCheckWait < TimeSpan.Zero)
            throw GatewayOptions.Invalid("Deadlines:ReadinessCheckWait", "must not be negative");
    }
}
