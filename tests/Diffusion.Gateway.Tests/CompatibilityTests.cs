using Diffusion.Gateway.Tests.Support;
using Diffusion.Grpc;
using Grpc.Health.V1;

namespace Diffusion.Gateway.Tests;

public sealed class CompatibilityTests
{
    [Fact]
    public async Task Generate_EncoderWiderThanUNet_FailedPreconditionNamingBothAndNotServing()
    {
        await using var harness = await GatewayHarness.StartAsync(new HarnessSettings
        {
            WaitReady = false,
            Fakes = (encoder, denoisers, _) =>
            {
                encoder.Description.Name = "open-clip-h";
                encoder.Description.HiddenSize = 1024;
                denoisers[0].Description.CrossAttentionDim = 768;
            },
        });

        var error = await harness.GenerateFailsAsync(GatewayHarness.Request());

        Assert.Equal(StatusCode.FailedPrecondition, error.StatusCode);
        Assert.Contains("text encoder 'open-clip-h' produces 1024-dim embeddings but the UNet 'fake-unet' expects 768", error.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.NotServing, await harness.HealthAsync());
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.NotServing, await harness.HealthAsync("diffusion.v1.Gateway"));
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, await harness.HealthAsync(GatewayApp.LivenessService));
        Assert.Equal(0, harness.WorkCalls);
    }

    [Fact]
    public async Task Health_EncoderReplacedByACompatibleOne_BecomesServing()
    {
        await using var harness = await GatewayHarness.StartAsync(new HarnessSettings
        {
            WaitReady = false,
            Fakes = (encoder, _, _) => encoder.Description.HiddenSize = 1024,
        });
        await harness.WaitForHealthAsync(HealthCheckResponse.Types.ServingStatus.NotServing);

        harness.Encoder.Description = new Contracts.V1.TextEncoderDescription(harness.Encoder.Description) { HiddenSize = 32 };

        await harness.WaitForHealthAsync(HealthCheckResponse.Types.ServingStatus.Serving);
        Assert.Single((await harness.GenerateAsync(GatewayHarness.Request())).Images);
    }

    [Fact]
    public async Task Health_DescribeHangs_CheckStillAnswersPromptlyWithLastStatus()
    {
        await using var harness = await GatewayHarness.StartAsync();
        harness.Encoder.DescribeDelay = TimeSpan.FromSeconds(3);
        await Task.Delay(300); // past ReadinessMaxAge (200 ms in the harness)

        var watch = System.Diagnostics.Stopwatch.StartNew();
        var status = await harness.HealthAsync();

        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, status);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(1.5), $"Check took {watch.Elapsed}");
    }

    [Fact]
    public async Task Health_VaeChannelsDifferFromUNet_NotServingWithBothNamed()
    {
        await using var harness = await GatewayHarness.StartAsync(new HarnessSettings
        {
            WaitReady = false,
            Fakes = (_, _, vae) => vae.Description.LatentChannels = 16,
        });

        await harness.WaitForHealthAsync(HealthCheckResponse.Types.ServingStatus.NotServing);
        var error = await harness.GenerateFailsAsync(GatewayHarness.Request());

        Assert.Equal(StatusCode.FailedPrecondition, error.StatusCode);
        Assert.Contains("the VAE 'fake-vae' has 16 latent channels but the UNet 'fake-unet' outputs 4", error.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Health_DownstreamUnreachable_NotServingAndGenerateUnavailableNamingIt()
    {
        await using var harness = await GatewayHarness.StartAsync();
        await harness.DenoiserHosts[0].StopAsync();

        await harness.WaitForHealthAsync(HealthCheckResponse.Types.ServingStatus.NotServing);
        var error = await harness.GenerateFailsAsync(GatewayHarness.Request());

        Assert.Equal(StatusCode.Unavailable, error.StatusCode);
        Assert.StartsWith("denoiser unavailable", error.Status.Detail, StringComparison.Ordinal);
    }
}
