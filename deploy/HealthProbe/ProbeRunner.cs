using Diffusion.Grpc;
using Grpc.Health.V1;

namespace Diffusion.HealthProbe;

/// <summary>
/// The probe as a function of its arguments. Exit codes follow grpc_health_probe's: 0 SERVING,
/// 1 bad arguments, 2 the call failed (nothing listening, unknown service, timeout), 4 not SERVING;
/// a Docker HEALTHCHECK reads any non-zero as unhealthy.
/// </summary>
public static class ProbeRunner
{
    /// <summary>Exit code: the service is SERVING.</summary>
    public const int Serving = 0;

    /// <summary>Exit code: the arguments are unusable.</summary>
    public const int InvalidArguments = 1;

    /// <summary>Exit code: the Check call failed.</summary>
    public const int CallFailed = 2;

    /// <summary>Exit code: the service answered with a status other than SERVING.</summary>
    public const int NotServing = 4;

    /// <summary>Runs one check; writes the outcome to <paramref name="output"/> / <paramref name="error"/>.</summary>
    public static async Task<int> RunAsync(IReadOnlyList<string> args, TextWriter output, TextWriter error, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(error);
        ProbeArguments arguments;
        try
        {
            arguments = ProbeArguments.Parse(args);
        }
        catch (ArgumentException e)
        {
            await error.WriteLineAsync(e.Message).ConfigureAwait(false);
            return InvalidArguments;
        }
        try
        {
            var status = await HealthCheck.CheckAsync(arguments, cancellationToken).ConfigureAwait(false);
            await output.WriteLineAsync($"status: {status}").ConfigureAwait(false);
            return status == HealthCheckResponse.Types.ServingStatus.Serving ? Serving : NotServing;
        }
        catch (Exception e) when (e is RpcException or HttpRequestException or OperationCanceledException)
        {
            await error.WriteLineAsync($"health check of {arguments.Address} failed: {e.Message}").ConfigureAwait(false);
            return CallFailed;
        }
    }
}
