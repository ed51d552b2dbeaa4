namespace Diffusion.Gateway.Options;

/// <summary>Bounds the generations in flight; beyond it requests are refused at once.</summary>
public sealed class AdmissionOptions
{
    /// <summary>Generations (Generate and GenerateStream) running at the same time.</summary>
    public int MaxInFlight { get; set; } = 8;

    /// <summary>The grpc-retry-pushback-ms hint sent with RESOURCE_EXHAUSTED.</summary>
    public int RetryPushbackMs { get; set; } = 1000;

    internal void Validate()
    {
        if (MaxInFlight < 1)
            throw GatewayOptions.Invalid("Admission:MaxInFlight", "must be at least 1");
        if (RetryPushbackMs < 0)
            throw GatewayOptions.Invalid("Admission:RetryPushbackMs", "must not be negative");
    }
}
