using Diffusion.Contracts.Rpc;
using Diffusion.Contracts.V1;
using Diffusion.Denoiser;
using Diffusion.Grpc;
using Diffusion.Grpc.Client;
using Diffusion.Grpc.Health;
using Microsoft.Extensions.Hosting;
using Grpc.Health.V1;
using ServingStatus = Grpc.Health.V1.HealthCheckResponse.Types.ServingStatus;

namespace Diffusion.Services.Tests;

/// <summary>grpc.health.v1 follows the model: NOT_SERVING while it loads and warms up, SERVING
/// after, NOT_SERVING again when the service stops.</summary>
public sealed class ReadinessTests
{
    private static readonly Method<HealthCheckRequest, HealthCheckResponse> Check =
        new(MethodType.Unary, "grpc.health.v1.Health", "Check", HealthCheckRequest.Parser, HealthCheckResponse.Parser);

    [Fact]
    public async Task Health_BeforeWarmUp_NotServingThenServingAfter()
    {
        var provider = new StandInProvider();
        provider.LoadGate.Reset();
        await using var service = await RunningService.StartAsync<DenoiserRuntime>(args => DenoiserApp.Build(args, provider), waitReady: false);

        Assert.Equal(ServingStatus.NotServing, await StatusAsync(service, ""));
        Assert.Equal(ServingStatus.NotServing, await StatusAsync(service, DenoiserMethods.Service));
        var early = await RunningService.FailsAsync(() => service.Calls.UnaryAsync(DenoiserMethods.Describe, new DescribeRequest()));
        Assert.Equal(StatusCode.Unavailable, early.StatusCode);
        Assert.Equal(0, provider.UNet.Calls);

        provider.LoadGate.Set();
        var until = DateTime.UtcNow.AddSeconds(10);
        while (await StatusAsync(service, "") != ServingStatus.Serving && DateTime.UtcNow < until)
            await Task.Delay(10);

        Assert.Equal(ServingStatus.Serving, await StatusAsync(service, ""));
        Assert.Equal(ServingStatus.Serving, await StatusAsync(service, DenoiserMethods.Service));
        Assert.Equal(1, provider.UNet.Calls); // the warm-up forward pass ran before SERVING
    }

    [Fact]
    public async Task Health_OnShutdown_NotServing()
    {
        var provider = new StandInProvider();
        var service = await RunningService.StartAsync<DenoiserRuntime>(args => DenoiserApp.Build(args, provider));
        var health = (HealthService)service.Services.GetService(typeof(HealthService))!;
        Assert.Equal(ServingStatus.Serving, health.GetStatus(""));

        await service.DisposeAsync();

        Assert.Equal(ServingStatus.NotServing, health.GetStatus(""));
        Assert.Equal(ServingStatus.NotServing, health.GetStatus(DenoiserMethods.Service));
    }

    private static async Task<ServingStatus> StatusAsync(RunningService service, string name) =>
        (await service.Calls.UnaryAsync(Check, new HealthCheckRequest { Service = name }, CallOptions.WithTimeout(TimeSpan.FromSeconds(5)))).Response.Status;

    [Fact]
    public async Task Start_ModelFailsToLoad_StopsTheProcessWithExitCodeOne()
    {
        var provider = new StandInProvider { LoadFailure = new FileNotFoundException("unet/config.json is missing") };
        var app = DenoiserApp.Build(["--urls", "http://127.0.0.1:0", "--Diffusion:ModelPath=missing", "--Logging:LogLevel:Default=None"], provider);
        try
        {
            await app.StartAsync();
            var health = (HealthService)app.Services.GetService(typeof(HealthService))!;

            await app.WaitForShutdownAsync().WaitAsync(TimeSpan.FromSeconds(10));

            Assert.Equal(1, Environment.ExitCode);
            Assert.Equal(ServingStatus.NotServing, health.GetStatus(""));
        }
        finally
        {
            Environment.ExitCode = 0; // the test host's own exit code
            await app.DisposeAsync();
        }
    }
}
