using Diffusion.Grpc;

namespace Diffusion.Gateway.Resilience;

/// <summary>A denoising stream that had started broke; the run can resume from <see cref="StepsDone"/>
/// on another replica.</summary>
internal sealed class DenoiseStreamBrokenException(RpcException error, int stepsDone)
    : Exception($"denoising stream broke after step {stepsDone}: {error.Status.Detail}", error)
{
    /// <summary>How the stream ended.</summary>
    public RpcException Error { get; } = error;

    /// <summary>Steps of the last checkpoint received (0 if none).</summary>
    public int StepsDone { get; } = stepsDone;
}
