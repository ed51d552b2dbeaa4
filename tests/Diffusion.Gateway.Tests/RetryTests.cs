using System.Diagnostics;
using Diffusion.Gateway.Tests.Fakes;
using Diffusion.Gateway.Tests.Support;
using Diffusion.Grpc;

namespace Diffusion.Gateway.Tests;

public sealed class RetryTests
{
    [Fact]
    public async Task Generate_EncoderUnavailableOnce_RetriedThenSucceeds()
    {
        await using var harness = await GatewayHarness.StartAsync(new HarnessSettings
        {
            Fakes = (encoder, _, _) => encoder.OnEncode = Faults.FailFirst(1, () => Faults.Unavailable()),
        });

        var response = await harness.GenerateAsync(GatewayHarness.Request());

        Assert.Single(response.Images);
        Assert.Equal(2, harness.Encoder.EncodeCalls);
    }

    [Fact]
    public async Task Generate_EncoderInvalidArgument_NotRetried()
    {
        await using var harness = await GatewayHarness.StartAsync(new HarnessSettings
        {
            Fakes = (encoder, _, _) => encoder.OnEncode = Faults.FailFirst(1, () => Faults.Status(StatusCode.InvalidArgument, "prompt has a NUL character")),
        });

        var error = await harness.GenerateFailsAsync(GatewayHarness.Request());

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Equal("text encoder rejected the request: prompt has a NUL character", error.Status.Detail);
        Assert.Equal(1, harness.Encoder.EncodeCalls);
        Assert.Equal(0, harness.Denoisers[0].DenoiseCalls);
    }

    [Fact]
    public async Task Generate_EncoderInternalError_NotRetriedAndDetailNotLeaked()
    {
        await using var harness = await GatewayHarness.StartAsync(new HarnessSettings
        {
            Fakes = (encoder, _, _) => encoder.OnEncode = Faults.FailFirst(1, () => Faults.Status(StatusCode.Internal, "at /srv/models/clip.safetensors: bad header")),
        });

        var error = await harness.GenerateFailsAsync(GatewayHarness.Request());

        Assert.Equal(StatusCode.Internal, error.StatusCode);
        Assert.StartsWith("The text encoder failed (INTERNAL); trace id ", error.Status.Detail, StringComparison.Ordinal);
        Assert.DoesNotContain("/srv", error.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(1, harness.Encoder.EncodeCalls);
    }

    [Fact]
    public async Task Generate_DenoiserAlwaysUnavailable_BoundedAttemptsThenUnavailableNamingIt()
    {
        await using var harness = await GatewayHarness.StartAsync(new HarnessSettings
        {
            Fakes = (_, denoisers, _) => denoisers[0].OnDenoise = Faults.FailWhile(() => true, () => Faults.Unavailable("warming up")),
        });

        var error = await harness.GenerateFailsAsync(GatewayHarness.Request());

        Assert.Equal(StatusCode.Unavailable, error.StatusCode);
        Assert.Equal("denoiser unavailable after 3 attempts: warming up", error.Status.Detail);
        Assert.Equal(3, harness.Denoisers[0].DenoiseCalls);
        Assert.Empty(harness.Vae.DecodeCalls);
    }

    [Fact]
    public async Task Generate_MaxAttemptsConfigured_IsTheBound()
    {
        var settings = new HarnessSettings
        {
            Fakes = (encoder, _, _) => encoder.OnEncode = Faults.FailWhile(() => true, () => Faults.Unavailable()),
        };
        settings.Config["TextEncoder:MaxAttempts"] = "5";
        await using var harness = await GatewayHarness.StartAsync(settings);

        var error = await harness.GenerateFailsAsync(GatewayHarness.Request());

        Assert.StartsWith("text encoder unavailable after 5 attempts", error.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(5, harness.Encoder.EncodeCalls);
    }

    [Fact]
    public async Task Generate_ResourceExhaustedWithPushback_RetriedAfterThePushback()
    {
        await using var harness = await GatewayHarness.StartAsync(new HarnessSettings
        {
            Fakes = (_, _, vae) => vae.OnDecode = Faults.FailFirst(1, () => Faults.Status(StatusCode.ResourceExhausted, "queue full", pushbackMs: 300)),
        });
        var watch = Stopwatch.StartNew();

        var response = await harness.GenerateAsync(GatewayHarness.Request());

        Assert.Single(response.Images);
        Assert.Equal(2, harness.Vae.DecodeCalls.Count);
        Assert.True(watch.Elapsed >= TimeSpan.FromMilliseconds(300), $"retried after {watch.Elapsed.TotalMilliseconds} ms");
    }

    [Fact]
    public async Task Generate_ResourceExhaustedWithoutPushback_NotRetriedAndPassedOn()
    {
        await using var harness = await GatewayHarness.StartAsync(new HarnessSettings
        {
            Fakes = (_, _, vae) => vae.OnDecode = Faults.FailFirst(1, () => Faults.Status(StatusCode.ResourceExhausted, "queue full")),
        });

        var error = await harness.GenerateFailsAsync(GatewayHarness.Request());

        Assert.Equal(StatusCode.ResourceExhausted, error.StatusCode);
        Assert.Equal("VAE codec is overloaded (after 1 attempt): queue full", error.Status.Detail);
        Assert.Single(harness.Vae.DecodeCalls);
    }

    [Fact]
    public async Task Generate_NegativePushback_NotRetried()
    {
        await using var harness = await GatewayHarness.StartAsync(new HarnessSettings
        {
            Fakes = (encoder, _, _) => encoder.OnEncode = Faults.FailFirst(1, () => Faults.Status(StatusCode.Unavailable, "draining", pushbackMs: -1)),
        });

        var error = await harness.GenerateFailsAsync(GatewayHarness.Request());

        Assert.Equal(StatusCode.Unavailable, error.StatusCode);
        Assert.Equal(1, harness.Encoder.EncodeCalls);
    }
}
