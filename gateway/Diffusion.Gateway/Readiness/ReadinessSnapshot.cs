using Diffusion.Grpc;

namespace Diffusion.Gateway.Readiness;

/// <summary>The outcome of one round of Describe calls.</summary>
/// <param name="CheckedAt">When the round ended (UTC).</param>
/// <param name="Descriptions">The three descriptions when all answered.</param>
/// <param name="Problem">Why the gateway cannot generate: UNAVAILABLE (a downstream did not
/// answer) or FAILED_PRECONDITION (they are incompatible); null when ready.</param>
internal sealed record ReadinessSnapshot(DateTime CheckedAt, DownstreamDescriptions? Descriptions, RpcException? Problem)
{
    public bool IsReady => Problem is null && Descriptions is not null;
}
