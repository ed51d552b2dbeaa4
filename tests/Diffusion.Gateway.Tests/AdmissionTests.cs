using Diffusion.Gateway.Tests.Support;
using Diffusion.Grpc;

namespace Diffusion.Gateway.Tests;

public sealed class AdmissionTests
{
    [Fact]
    public async Task Generate_BeyondMaxInFlight_ResourceExhaustedAtOnceWithPushback()
    {
        var settings = new HarnessSettings { Fakes = (_, denoisers, _) => denoisers[0].StepDelay = TimeSpan.FromMilliseconds(150) };
        settings.Config["Admission:MaxInFlight"] = "1";
        settings.Config["Admission:RetryPushbackMs"] = "250";
        await using var harness = await GatewayHarness.StartAsync(settings);

        var running = harness.GenerateAsync(GatewayHarness.Request());
        await harness.Denoisers[0].Started.Task.WaitAsync(TimeSpan.FromSeconds(10));
        var refused = await harness.GenerateFailsAsync(GatewayHarness.Request());

        Assert.Equal(StatusCode.ResourceExhausted, refused.StatusCode);
        Assert.Equal("250", refused.Trailers.GetValue("grpc-retry-pushback-ms"));
        Assert.Contains("1 generations are in flight", refused.Status.Detail, StringComparison.Ordinal);
        Assert.Single(harness.Encoder.Calls);
        Assert.Single((await running).Images);
        // The slot is free again.
        Assert.Single((await harness.GenerateAsync(GatewayHarness.Request())).Images);
    }

    [Fact]
    public async Task Generate_FailedGeneration_ReleasesItsSlot()
    {
        var settings = new HarnessSettings
        {
            Fakes = (encoder, _, _) => encoder.OnEncode = Fakes.Faults.FailFirst(1, () => Fakes.Faults.Status(StatusCode.InvalidArgument, "no")),
        };
        settings.Config["Admission:MaxInFlight"] = "1";
        await using var harness = await GatewayHarness.StartAsync(settings);

        await harness.GenerateFailsAsync(GatewayHarness.Request());

        Assert.Single((await harness.GenerateAsync(GatewayHarness.Request())).Images);
    }
}
