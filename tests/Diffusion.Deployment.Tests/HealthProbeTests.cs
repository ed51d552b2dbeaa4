using System.Net;
using Diffusion.Deployment.Tests.Support;
using Diffusion.HealthProbe;
using Grpc.Health.V1;

namespace Diffusion.Deployment.Tests;

/// <summary>deploy/HealthProbe (the images' HEALTHCHECK) against a real server of our transport.</summary>
public sealed class HealthProbeTests : IAsyncLifetime
{
    private ReplicaServer? _server;

    private ReplicaServer Server => _server!;

    public async Task InitializeAsync() => _server = await ReplicaServer.StartAsync(IPAddress.Loopback, 0);

    public async Task DisposeAsync() => await Server.DisposeAsync();

    [Fact]
    public async Task Run_ServingServer_ReturnsZero()
    {
        Assert.Equal(ProbeRunner.Serving, await RunAsync("--addr", Address()));
    }

    [Fact]
    public async Task Run_NotServingService_ReturnsFour()
    {
        Server.Health.SetStatus("diffusion.v1.Denoiser", HealthCheckResponse.Types.ServingStatus.NotServing);
        Server.Health.SetStatus("", HealthCheckResponse.Types.ServingStatus.NotServing);

        Assert.Equal(ProbeRunner.NotServing, await RunAsync("--addr", Address()));
        Assert.Equal(ProbeRunner.NotServing, await RunAsync("--addr", Address(), "--service", "diffusion.v1.Denoiser"));
    }

    [Fact]
    public async Task Run_UnknownService_ReturnsTwo()
    {
        // grpc.health.v1: an unknown service is NOT_FOUND, a failed call.
        Assert.Equal(ProbeRunner.CallFailed, await RunAsync("--addr", Address(), "--service", "no.such.Service"));
    }

    [Fact]
    public async Task Run_NothingListening_ReturnsTwo()
    {
        int port = Server.Port;
        await Server.DisposeAsync();

        Assert.Equal(ProbeRunner.CallFailed, await RunAsync("--addr", $"http://127.0.0.1:{port}", "--timeout", "2"));
    }

    [Theory]
    [InlineData]
    [InlineData("--addr")]
    [InlineData("--addr", "tcp://127.0.0.1:1")]
    [InlineData("--addr", "http://127.0.0.1:1", "--timeout", "0")]
    [InlineData("--addr", "http://127.0.0.1:1", "--bogus", "x")]
    public async Task Run_BadArguments_ReturnsOne(params string[] args)
    {
        Assert.Equal(ProbeRunner.InvalidArguments, await ProbeRunner.RunAsync(args, TextWriter.Null, TextWriter.Null));
    }

    private string Address() => $"http://127.0.0.1:{Server.Port}";

    private static Task<int> RunAsync(params string[] args) => ProbeRunner.RunAsync(args, TextWriter.Null, TextWriter.Null);
}
