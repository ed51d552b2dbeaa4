using Diffusion.Grpc;

namespace Diffusion.Gateway.Resilience;

/// <summary>A denoising stream ended by the replica's failure rather than the request's; the run can
/// resume from <see cref="StepsDone"/> on another replica (from the start when no checkpoint came).</summary>
internal sealed class DenoiseStreamBrokenException(RpcException error, int stepsDone, bool started)
    : Exception($"denoising stream broke after step {stepsDone}: {error.Status.Detail}", error)
{
    /// <summary>How the stream ended.</summary>
    public RpcException Error { get; } = error;

    /// <summary>Steps of the last checkpoint received (0 if none).</summary>
    public int StepsDone { get; } = stepsDone;

    /// <summary>Whether any event had arrived: a failover, rather than a call that never got going.</summary>
    public bool Started { get; } = started;
}
