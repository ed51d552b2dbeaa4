using System.Diagnostics;
using Diffusion.Gateway.Tests.Fakes;
using Diffusion.Gateway.Tests.Support;
using Diffusion.Grpc;

namespace Diffusion.Gateway.Tests;

public sealed class DeadlineTests
{
    [Fact]
    public async Task Generate_ClientDeadline_EveryDownstreamGetsWhatRemains()
    {
        await using var harness = await GatewayHarness.StartAsync();
        var timeout = TimeSpan.FromSeconds(20);

        await harness.GenerateAsync(GatewayHarness.Request(), timeout: timeout);

        var encode = Assert.Single(harness.Encoder.Calls);
        var denoise = Assert.Single(harness.Denoisers[0].Calls);
        var decode = Assert.Single(harness.Vae.DecodeCalls);
        Assert.NotNull(encode.GrpcTimeout);
        Assert.True(encode.Remaining < timeout, $"encoder saw {encode.Remaining} of {timeout}");
        Assert.True(denoise.Remaining < encode.Remaining, $"denoiser saw {denoise.Remaining}, encoder {encode.Remaining}");
        Assert.True(decode.Remaining < denoise.Remaining, $"decoder saw {decode.Remaining}, denoiser {denoise.Remaining}");
        Assert.True(decode.Remaining > TimeSpan.FromSeconds(15));
    }

    [Fact]
    public async Task Generate_RetriedAttempt_CarriesASmallerTimeout()
    {
        await using var harness = await GatewayHarness.StartAsync(new HarnessSettings
        {
            Fakes = (encoder, _, _) => encoder.OnEncode = Faults.FailFirst(1, () => Faults.Status(StatusCode.Unavailable, "busy", pushbackMs: 200)),
        });

        await harness.GenerateAsync(GatewayHarness.Request(), timeout: TimeSpan.FromSeconds(10));

        var calls = harness.Encoder.Calls.ToArray();
        Assert.Equal(2, calls.Length);
        Assert.True(calls[1].Remaining <= calls[0].Remaining - TimeSpan.FromMilliseconds(150),
            $"first attempt saw {calls[0].Remaining}, the retry {calls[1].Remaining}");
    }

    [Fact]
    public async Task Generate_PushbackBeyondTheDeadline_NoRetry()
    {
        await using var harness = await GatewayHarness.StartAsync(new HarnessSettings
        {
            Fakes = (encoder, _, _) => encoder.OnEncode = Faults.FailWhile(() => true, () => Faults.Status(StatusCode.Unavailable, "busy", pushbackMs: 5000)),
        });
        var watch = Stopwatch.StartNew();

        var error = await harness.GenerateFailsAsync(GatewayHarness.Request(), timeout: TimeSpan.FromSeconds(2));

        Assert.Equal(StatusCode.Unavailable, error.StatusCode);
        Assert.Contains("no time left before the deadline", error.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(1, harness.Encoder.EncodeCalls);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(1.5), $"took {watch.Elapsed}");
    }

    [Fact]
    public async Task Generate_DeadlinePassesDuringDenoising_DeadlineExceededAndNoDecode()
    {
        await using var harness = await GatewayHarness.StartAsync(new HarnessSettings
        {
            Fakes = (_, denoisers, _) => denoisers[0].StepDelay = TimeSpan.FromMilliseconds(400),
        });
        var watch = Stopwatch.StartNew();

        var error = await harness.GenerateFailsAsync(GatewayHarness.Request(), timeout: TimeSpan.FromMilliseconds(700));

        Assert.Equal(StatusCode.DeadlineExceeded, error.StatusCode);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(1.5), $"took {watch.Elapsed}");
        await Task.Delay(200);
        Assert.Empty(harness.Vae.DecodeCalls);
        Assert.Single(harness.Denoisers[0].Calls);
    }

    [Fact]
    public async Task Generate_GatewayLimitShorterThanClient_GatewayLimitApplies()
    {
        var settings = new HarnessSettings();
        settings.Config["Deadlines:Generate"] = "00:00:03";
        await using var harness = await GatewayHarness.StartAsync(settings);

        await harness.GenerateAsync(GatewayHarness.Request(), timeout: TimeSpan.FromMinutes(5));

        var encode = Assert.Single(harness.Encoder.Calls);
        Assert.True(encode.Remaining <= TimeSpan.FromSeconds(3), $"encoder saw {encode.Remaining}");
    }
}
