using Diffusion.HealthProbe;
using Grpc.Health.V1;

// Exit codes follow grpc_health_probe's: 0 SERVING, 1 bad arguments, 2 call failed, 4 not SERVING,
// so a Docker HEALTHCHECK (any non-zero = unhealthy) reads the same with either probe.
ProbeArguments arguments;
try
{
    arguments = ProbeArguments.Parse(args);
}
catch (ArgumentException e)
{
    Console.Error.WriteLine(e.Message);
    return 1;
}
try
{
    var status = await HealthCheck.CheckAsync(arguments, CancellationToken.None);
    Console.WriteLine($"status: {status}");
    return status == HealthCheckResponse.Types.ServingStatus.Serving ? 0 : 4;
}
catch (Exception e) when (e is Diffusion.Grpc.RpcException or HttpRequestException or OperationCanceledException)
{
    Console.Error.WriteLine($"health check of {arguments.Address} failed: {e.Message}");
    return 2;
}
