using Diffusion.Grpc;
using Diffusion.Grpc.Client;
using Grpc.Health.V1;

namespace Diffusion.HealthProbe;

/// <summary>One grpc.health.v1.Health/Check call (grpc/grpc doc/health-checking.md).</summary>
public static class HealthCheck
{
    private static readonly Method<HealthCheckRequest, HealthCheckResponse> CheckMethod =
        new(MethodType.Unary, "grpc.health.v1.Health", "Check", HealthCheckRequest.Parser, HealthCheckResponse.Parser);

    /// <summary>
    /// Asks <paramref name="arguments"/>' server for its service's status. Returns the status, or
    /// throws <see cref="RpcException"/> (e.g. NOT_FOUND for an unknown service, UNAVAILABLE when
    /// nothing listens, DEADLINE_EXCEEDED after the timeout).
    /// </summary>
    public static async Task<HealthCheckResponse.Types.ServingStatus> CheckAsync(ProbeArguments arguments, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        using var channel = GrpcChannel.ForAddress(arguments.Address);
        var result = await channel.CallInvoker.UnaryAsync(CheckMethod, new HealthCheckRequest { Service = arguments.Service },
            new CallOptions { Deadline = DateTime.UtcNow + arguments.Timeout, CancellationToken = cancellationToken }).ConfigureAwait(false);
        return result.Response.Status;
    }
}
