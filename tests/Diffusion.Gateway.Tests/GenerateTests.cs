using Diffusion.Contracts;
using Diffusion.Contracts.Rpc;
using Diffusion.Contracts.V1;
using Diffusion.Gateway.Tests.Fakes;
using Diffusion.Gateway.Tests.Support;
using Diffusion.Imaging;

namespace Diffusion.Gateway.Tests;

public sealed class GenerateTests
{
    private static readonly byte[] PngSignature = [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A];

    [Fact]
    public async Task Generate_TextToImage_ReturnsPngSeedTimingsAndTraceId()
    {
        await using var harness = await GatewayHarness.StartAsync();
        var request = GatewayHarness.Request();
        request.NegativePrompt = "";

        var response = await harness.GenerateAsync(request);

        var png = Assert.Single(response.Images);
        Assert.Equal(PngSignature, png.Span[..8].ToArray());
        var image = PngDecoder.Decode(png.Span);
        Assert.Equal((64, 64), (image.Width, image.Height)); // sample_size 8 x factor 8
        Assert.Equal([42L], response.Seeds);
        Assert.True(response.Timings.EncodeMs > 0 && response.Timings.DenoiseMs > 0 && response.Timings.DecodeMs > 0);
        Assert.Equal(1.5, response.Timings.QueueMs);
        Assert.True(response.Timings.TotalMs >= response.Timings.EncodeMs + response.Timings.DenoiseMs + response.Timings.DecodeMs);
        Assert.Matches("^[0-9a-f]{32}$", response.TraceId);
        Assert.NotEqual(new string('0', 32), response.TraceId);
        Assert.Equal(0, response.Failovers);
    }

    [Fact]
    public async Task Generate_WithGuidance_EncodesEmptyNegativeFirstInOneCall()
    {
        await using var harness = await GatewayHarness.StartAsync();

        await harness.GenerateAsync(GatewayHarness.Request("a red fox"));

        var encode = Assert.Single(harness.Encoder.Calls).Request;
        Assert.Equal(["", "a red fox"], encode.Prompts);
        var denoise = Assert.Single(harness.Denoisers[0].Calls).Request;
        var expected = FakeTextEncoder.Encode(encode, harness.Encoder.Description).HiddenStates;
        int row = 77 * 32;
        Assert.Equal([1L, 77, 32], denoise.CondEmbeddings.Shape);
        Assert.Equal(Tensors.ToFloats(expected)[row..], Tensors.ToFloats(denoise.CondEmbeddings));
        Assert.Equal(Tensors.ToFloats(expected)[..row], Tensors.ToFloats(denoise.UncondEmbeddings));
        Assert.Equal(7.5f, denoise.GuidanceScale);
        Assert.Equal(1, denoise.CheckpointEvery);
        Assert.Equal(42, denoise.Seed);
        Assert.Equal((8, 8), (denoise.LatentHeight, denoise.LatentWidth));
    }

    [Fact]
    public async Task Generate_GuidanceAtMostOne_EncodesPromptOnlyAndSendsNoUncond()
    {
        await using var harness = await GatewayHarness.StartAsync();
        var request = GatewayHarness.Request("a red fox");
        request.GuidanceScale = 1f;
        request.NegativePrompt = "blurry";

        await harness.GenerateAsync(request);

        Assert.Equal(["a red fox"], Assert.Single(harness.Encoder.Calls).Request.Prompts);
        var denoise = Assert.Single(harness.Denoisers[0].Calls).Request;
        Assert.Null(denoise.UncondEmbeddings);
        Assert.Equal(1f, denoise.GuidanceScale);
    }

    [Fact]
    public async Task Generate_NoSeed_ReturnsTheRandomSeedItUsed()
    {
        await using var harness = await GatewayHarness.StartAsync();
        var request = GatewayHarness.Request(seed: null);
        request.NumImages = 2;

        var response = await harness.GenerateAsync(request);

        var denoise = Assert.Single(harness.Denoisers[0].Calls).Request;
        Assert.Equal(2, response.Images.Count);
        Assert.Equal([denoise.Seed, denoise.Seed], response.Seeds);
        Assert.Equal(2, denoise.NumImagesPerPrompt);
    }

    [Fact]
    public async Task Generate_SameSeed_GivesIdenticalImages()
    {
        await using var harness = await GatewayHarness.StartAsync();

        var first = await harness.GenerateAsync(GatewayHarness.Request(seed: 7));
        var second = await harness.GenerateAsync(GatewayHarness.Request(seed: 7));
        var other = await harness.GenerateAsync(GatewayHarness.Request(seed: 8));

        Assert.Equal(first.Images[0], second.Images[0]);
        Assert.NotEqual(first.Images[0], other.Images[0]);
    }

    [Fact]
    public async Task Generate_TraceParent_ReachesEveryDownstreamWithTheResponseTraceId()
    {
        await using var harness = await GatewayHarness.StartAsync();

        var response = await harness.GenerateAsync(GatewayHarness.Request());

        Assert.Equal(response.TraceId, Assert.Single(harness.Encoder.Calls).TraceId);
        Assert.Equal(response.TraceId, Assert.Single(harness.Denoisers[0].Calls).TraceId);
        Assert.Equal(response.TraceId, Assert.Single(harness.Vae.DecodeCalls).TraceId);
    }

    [Fact]
    public async Task Generate_SchedulerInAnyCase_SendsTheDenoisersNameAndOptions()
    {
        await using var harness = await GatewayHarness.StartAsync();
        var request = GatewayHarness.Request();
        request.Scheduler = "euler A";
        request.SchedulerOptions["timestep_spacing"] = "trailing";

        await harness.GenerateAsync(request);

        var denoise = Assert.Single(harness.Denoisers[0].Calls).Request;
        Assert.Equal("Euler a", denoise.Scheduler);
        Assert.Equal("trailing", denoise.SchedulerOptions["timestep_spacing"]);
    }

    [Fact]
    public async Task Generate_RawOutput_ReturnsF32ImageLatentsAndTheSamePng()
    {
        await using var harness = await GatewayHarness.StartAsync();
        var plain = await harness.GenerateAsync(GatewayHarness.Request(seed: 5));
        var request = GatewayHarness.Request(seed: 5);
        request.RawOutput = true;

        var raw = await harness.GenerateAsync(request);

        Assert.Equal(ImageFormat.RawF32, harness.Vae.DecodeCalls.Last().Request.Format);
        Assert.Equal([1L, 64, 64, 3], raw.RawImage.Shape);
        Assert.Equal(DType.F32, raw.RawImage.Dtype);
        Assert.Equal([1L, 4, 8, 8], raw.FinalLatents.Shape);
        Assert.Equal(plain.Images[0], raw.Images[0]);
    }

    [Fact]
    public async Task GenerateStream_StreamsProgressThenResult()
    {
        await using var harness = await GatewayHarness.StartAsync();
        var request = GatewayHarness.Request();
        request.Steps = 5;

        using var call = harness.Client.CallInvoker.ServerStreaming(GatewayMethods.GenerateStream, request, GatewayHarness.Options());
        var events = new List<GenerateEvent>();
        await foreach (var ev in call.ReadAllAsync())
            events.Add(ev);

        Assert.Equal([1, 2, 3, 4, 5], events.Where(e => e.EventCase == GenerateEvent.EventOneofCase.Progress).Select(e => e.Progress.Step));
        var last = events[^1];
        Assert.Equal(GenerateEvent.EventOneofCase.Result, last.EventCase);
        Assert.Single(last.Result.Images);
        Assert.Equal(6, events.Count);
    }
}
