using System.Diagnostics;
using Diffusion.Contracts;
using Diffusion.Contracts.V1;
using Diffusion.Denoiser;
using Diffusion.Grpc;
using Diffusion.Grpc.Client;
using Diffusion.Grpc.Health;
using Microsoft.AspNetCore.Builder;
using ServingStatus = Grpc.Health.V1.HealthCheckResponse.Types.ServingStatus;
using static Diffusion.Services.Tests.DenoiseRequests;

namespace Diffusion.Services.Tests;

/// <summary>SIGTERM (host stop): NOT_SERVING at once, calls in flight finish within the drain bound.</summary>
public sealed class ShutdownTests
{
    [Fact]
    public async Task Stop_WhileDenoising_LetsTheRunFinish()
    {
        var provider = new StandInProvider { UNet = { DelayMs = 40 } };
        var service = await RunningService.StartAsync<DenoiserRuntime>(args => DenoiserApp.Build(args, provider));
        var health = (HealthService)service.Services.GetService(typeof(HealthService))!;
        var run = RunAsync(service.Calls, Txt2Img(steps: 8, scheduler: "DDIM"));
        await WaitForFirstStep(provider);

        var stop = service.App.StopAsync();
        await Task.Delay(20);
        Assert.Equal(ServingStatus.NotServing, health.GetStatus(""));
        var events = await run;
        await stop;
        await service.DisposeAsync();

        Assert.Equal(Reference(Txt2Img(steps: 8, scheduler: "DDIM")), Tensors.ToFloats(Result(events).Latents));
    }

    [Fact]
    public async Task Stop_RunLongerThanTheDrainBound_EndsTheCallAndStopsInTime()
    {
        var provider = new StandInProvider { UNet = { DelayMs = 40 } };
        var service = await RunningService.StartAsync<DenoiserRuntime>(args => DenoiserApp.Build(args, provider),
            true, "Diffusion:DrainTimeoutSeconds=0.3");
        var run = RunAsync(service.Calls, Txt2Img(steps: 400, scheduler: "DDIM"));
        await WaitForFirstStep(provider);

        var watch = Stopwatch.StartNew();
        await service.App.StopAsync();
        watch.Stop();
        await service.DisposeAsync();

        Assert.True(watch.ElapsedMilliseconds < 3000, $"stop took {watch.ElapsedMilliseconds} ms");
        var error = await Assert.ThrowsAsync<RpcException>(() => run);
        Assert.NotEqual(StatusCode.OK, error.StatusCode);
        Assert.True(provider.UNet.Calls < 200, "the run went on after shutdown");
    }

    private static async Task WaitForFirstStep(StandInProvider provider)
    {
        int warmUp = provider.UNet.Calls;
        var until = DateTime.UtcNow.AddSeconds(10);
        while (provider.UNet.Calls <= warmUp && DateTime.UtcNow < until) await Task.Delay(5);
    }
}
