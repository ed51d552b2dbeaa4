using Diffusion.Denoiser;
using Diffusion.Grpc;
using static Diffusion.Services.Tests.DenoiseRequests;

namespace Diffusion.Services.Tests;

/// <summary>What a model failure looks like to the caller: a status it can act on, never internals.</summary>
public sealed class ErrorMappingTests
{
    [Fact]
    public async Task Denoise_ModelThrowsUnexpectedly_InternalWithoutInternals()
    {
        var provider = new StandInProvider();
        await using var service = await RunningService.StartAsync<DenoiserRuntime>(args => DenoiserApp.Build(args, provider));
        provider.UNet.Failure = () => new InvalidOperationException("kernel failed in /opt/secret/libtorch_cpu.so");

        var error = await RunningService.FailsAsync(() => RunAsync(service.Calls, Txt2Img(steps: 2)));

        Assert.Equal(StatusCode.Internal, error.StatusCode);
        Assert.DoesNotContain("secret", error.Detail, StringComparison.Ordinal);
        Assert.DoesNotContain("InvalidOperationException", error.Detail, StringComparison.Ordinal);
        Assert.Contains("trace", error.Detail, StringComparison.Ordinal);
        provider.UNet.Failure = null;
        Assert.NotNull(Result(await RunAsync(service.Calls, Txt2Img(steps: 2)))); // the engine survived
    }

    [Fact]
    public async Task Denoise_ModelOutOfMemory_ResourceExhausted()
    {
        var provider = new StandInProvider();
        await using var service = await RunningService.StartAsync<DenoiserRuntime>(args => DenoiserApp.Build(args, provider));
        provider.UNet.Failure = () => new OutOfMemoryException("CUDA out of memory. Tried to allocate 2.00 GiB");

        var error = await RunningService.FailsAsync(() => RunAsync(service.Calls, Txt2Img(steps: 2)));

        Assert.Equal(StatusCode.ResourceExhausted, error.StatusCode);
        Assert.Contains("out of memory", error.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Denoise_StochasticSchedulerWithoutSeed_InvalidArgumentNamingSeed()
    {
        var provider = new StandInProvider();
        await using var service = await RunningService.StartAsync<DenoiserRuntime>(args => DenoiserApp.Build(args, provider));
        var request = Txt2Img(steps: 3, scheduler: "Euler a");
        request.ClearSeed();
        request.InitialLatents = Latents(1, 4, 8, 8, 0.1f);

        var error = await RunningService.FailsAsync(() => RunAsync(service.Calls, request));

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.StartsWith("seed:", error.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Denoise_DeterministicSchedulerWithLatentsAndNoSeed_Runs()
    {
        var provider = new StandInProvider();
        await using var service = await RunningService.StartAsync<DenoiserRuntime>(args => DenoiserApp.Build(args, provider));
        var request = Txt2Img(steps: 3, scheduler: "DDIM");
        request.ClearSeed();
        request.InitialLatents = Latents(1, 4, 8, 8, 0.1f);

        var result = Result(await RunAsync(service.Calls, request));

        Assert.Equal(Reference(request), Diffusion.Contracts.Tensors.ToFloats(result.Latents));
    }
}
