using Diffusion.Gateway.Tests.Fakes;
using Diffusion.Gateway.Tests.Support;
using Diffusion.Grpc;
using Polly.CircuitBreaker;

namespace Diffusion.Gateway.Tests;

public sealed class CircuitBreakerTests
{
    [Fact]
    public async Task Generate_ConsecutiveFailures_OpenFailFastThenRecover()
    {
        bool failing = true;
        var settings = new HarnessSettings
        {
            Fakes = (encoder, _, _) => encoder.OnEncode = Faults.FailWhile(() => Volatile.Read(ref failing), () => Faults.Unavailable("oom")),
        };
        settings.Config["TextEncoder:MaxAttempts"] = "1";
        settings.Config["TextEncoder:BreakerFailureThreshold"] = "3";
        settings.Config["TextEncoder:BreakerBreakDuration"] = "00:00:00.600";
        await using var harness = await GatewayHarness.StartAsync(settings);
        var breaker = harness.Downstreams.TextEncoder.Breaker;

        for (int i = 0; i < 3; i++)
            Assert.Equal("text encoder unavailable after 1 attempt: oom", (await harness.GenerateFailsAsync(GatewayHarness.Request())).Status.Detail);
        Assert.Equal(CircuitState.Open, breaker.CircuitState);

        // Open: refused without calling the encoder, with a pushback hint for the client.
        var fast = await harness.GenerateFailsAsync(GatewayHarness.Request());
        Assert.Equal(StatusCode.Unavailable, fast.StatusCode);
        Assert.StartsWith("text encoder unavailable: its circuit breaker is open", fast.Status.Detail, StringComparison.Ordinal);
        Assert.NotNull(fast.Trailers.GetValue("grpc-retry-pushback-ms"));
        Assert.Equal(3, harness.Encoder.EncodeCalls);

        // After the break the next call probes (half-open); its success closes the circuit.
        Volatile.Write(ref failing, false);
        await Task.Delay(700);
        Assert.Single((await harness.GenerateAsync(GatewayHarness.Request())).Images);
        Assert.Equal(CircuitState.Closed, breaker.CircuitState);
        Assert.Single((await harness.GenerateAsync(GatewayHarness.Request())).Images);
        Assert.Equal(5, harness.Encoder.EncodeCalls);
    }

    [Fact]
    public async Task Generate_HalfOpenProbeFails_OpensAgain()
    {
        var settings = new HarnessSettings
        {
            Fakes = (encoder, _, _) => encoder.OnEncode = Faults.FailWhile(() => true, () => Faults.Unavailable()),
        };
        settings.Config["TextEncoder:MaxAttempts"] = "1";
        settings.Config["TextEncoder:BreakerFailureThreshold"] = "2";
        settings.Config["TextEncoder:BreakerBreakDuration"] = "00:00:00.500";
        await using var harness = await GatewayHarness.StartAsync(settings);
        var breaker = harness.Downstreams.TextEncoder.Breaker;
        for (int i = 0; i < 2; i++)
            await harness.GenerateFailsAsync(GatewayHarness.Request());
        Assert.Equal(CircuitState.Open, breaker.CircuitState);

        await Task.Delay(600);
        await harness.GenerateFailsAsync(GatewayHarness.Request());

        Assert.Equal(3, harness.Encoder.EncodeCalls);
        Assert.Equal(CircuitState.Open, breaker.CircuitState);
    }

    [Fact]
    public async Task Generate_InvalidArgumentFailures_DoNotOpenTheCircuit()
    {
        var settings = new HarnessSettings
        {
            Fakes = (encoder, _, _) => encoder.OnEncode = Faults.FailWhile(() => true, () => Faults.Status(StatusCode.InvalidArgument, "bad prompt")),
        };
        settings.Config["TextEncoder:BreakerFailureThreshold"] = "2";
        await using var harness = await GatewayHarness.StartAsync(settings);

        for (int i = 0; i < 4; i++)
            Assert.Equal(StatusCode.InvalidArgument, (await harness.GenerateFailsAsync(GatewayHarness.Request())).StatusCode);

        Assert.Equal(CircuitState.Closed, harness.Downstreams.TextEncoder.Breaker.CircuitState);
        Assert.Equal(4, harness.Encoder.EncodeCalls);
    }
}
