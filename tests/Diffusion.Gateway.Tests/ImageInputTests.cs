using Diffusion.Contracts;
using Diffusion.Contracts.V1;
using Diffusion.Gateway.Tests.Fakes;
using Diffusion.Gateway.Tests.Support;
using Diffusion.Imaging;
using Google.Protobuf;

namespace Diffusion.Gateway.Tests;

/// <summary>img2img and inpainting: what is encoded, and the random draws announced in diffusers' order.</summary>
public sealed class ImageInputTests
{
    [Fact]
    public async Task Generate_ImageToImage_EncodesImageFirstAndAnnouncesTheDraw()
    {
        await using var harness = await GatewayHarness.StartAsync();
        var png = FakeData.Png(64, 48);
        var request = GatewayHarness.Request();
        request.InitImage = ByteString.CopyFrom(png);
        request.Strength = 0.75f;
        request.NumImages = 2;

        var response = await harness.GenerateAsync(request);

        var encode = Assert.Single(harness.Vae.EncodeCalls).Request;
        Assert.Equal(png, encode.Png[0].ToByteArray());
        Assert.Equal(EncodeMode.Sample, encode.Mode);
        Assert.Equal(42, encode.Seed);
        Assert.Empty(encode.RngDrawsBefore);
        var denoise = Assert.Single(harness.Denoisers[0].Calls).Request;
        Assert.Equal((6, 8), (denoise.LatentHeight, denoise.LatentWidth)); // size taken from the image
        Assert.Equal([2L, 4, 6, 8], denoise.ImageLatents.Shape);
        Assert.Equal([1L, 4, 6, 8], Assert.Single(denoise.RngDrawsBeforeNoise).Dims);
        Assert.Empty(denoise.RngDrawsAfterNoise);
        Assert.Equal(0.75f, denoise.Strength);
        Assert.Null(denoise.Mask);
        Assert.True(response.Timings.VaeEncodeMs > 0);
        Assert.Equal(2, response.Images.Count);
    }

    [Fact]
    public async Task Generate_InpaintingWithFourChannelUNet_SendsLatentMaskAndReplaysMaskedImageDraw()
    {
        await using var harness = await GatewayHarness.StartAsync();
        var request = GatewayHarness.Request();
        request.InitImage = ByteString.CopyFrom(FakeData.Png(64, 64));
        request.MaskImage = ByteString.CopyFrom(FakeData.MaskPng(64, 64));
        request.Strength = 1f;

        await harness.GenerateAsync(request);

        // The 4-channel UNet blends the image latents back each step: the image is encoded; the
        // masked image's latents would go unused, so only its draw is announced.
        Assert.Single(harness.Vae.EncodeCalls);
        var denoise = Assert.Single(harness.Denoisers[0].Calls).Request;
        Assert.Equal([1L, 4, 8, 8], denoise.ImageLatents.Shape);
        Assert.Equal([1L, 4, 8, 8], Assert.Single(denoise.RngDrawsBeforeNoise).Dims);
        Assert.Equal([1L, 4, 8, 8], Assert.Single(denoise.RngDrawsAfterNoise).Dims);
        Assert.Null(denoise.MaskedImageLatents);
        Assert.Equal([1L, 1, 8, 8], denoise.Mask.Shape);
        var mask = Tensors.ToFloats(denoise.Mask);
        for (int y = 0; y < 8; y++)
            for (int x = 0; x < 8; x++)
                Assert.Equal(x >= 4 ? 1f : 0f, mask[y * 8 + x]);
    }

    [Fact]
    public async Task Generate_InpaintingWithNineChannelUNet_EncodesMaskedImageAfterTheNoise()
    {
        await using var harness = await GatewayHarness.StartAsync(new HarnessSettings
        {
            Fakes = (_, denoisers, _) => denoisers[0].Description.InChannels = 9,
        });
        var init = FakeData.Png(64, 64);
        var maskPng = FakeData.MaskPng(64, 64);
        var request = GatewayHarness.Request();
        request.InitImage = ByteString.CopyFrom(init);
        request.MaskImage = ByteString.CopyFrom(maskPng);
        request.Strength = 0.6f;
        request.NumImages = 2;

        await harness.GenerateAsync(request);

        var encodes = harness.Vae.EncodeCalls.Select(c => c.Request).ToList();
        Assert.Equal(2, encodes.Count);
        Assert.Empty(encodes[0].RngDrawsBefore);
        // Drawn before the masked image's sample: the image's sample, then the initial noise.
        Assert.Equal([[1L, 4, 8, 8], [2L, 4, 8, 8]], encodes[1].RngDrawsBefore.Select(s => s.Dims.ToArray()));
        Assert.Equal([1L, 3, 64, 64], encodes[1].Raw.Shape);
        var expectedMasked = VaeImageProcessor.Preprocess(PngDecoder.Decode(init));
        var masked = Tensors.ToFloats(encodes[1].Raw);
        for (int c = 0; c < 3; c++)
            for (int y = 0; y < 64; y++)
                for (int x = 0; x < 64; x++)
                {
                    int i = (c * 64 + y) * 64 + x;
                    Assert.Equal(x >= 32 ? 0f : expectedMasked[i], masked[i]);
                }
        var denoise = Assert.Single(harness.Denoisers[0].Calls).Request;
        Assert.Equal([2L, 4, 8, 8], denoise.MaskedImageLatents.Shape);
        Assert.Equal([2L, 1, 8, 8], denoise.Mask.Shape);
        Assert.Equal([2L, 4, 8, 8], denoise.ImageLatents.Shape);
    }

    [Fact]
    public async Task Generate_NineChannelUNetAtFullStrength_SkipsTheImageEncode()
    {
        await using var harness = await GatewayHarness.StartAsync(new HarnessSettings
        {
            Fakes = (_, denoisers, _) => denoisers[0].Description.InChannels = 9,
        });
        var request = GatewayHarness.Request();
        request.InitImage = ByteString.CopyFrom(FakeData.Png(64, 64));
        request.MaskImage = ByteString.CopyFrom(FakeData.MaskPng(64, 64));
        request.Strength = 1f;

        await harness.GenerateAsync(request);

        // diffusers prepare_latents: strength 1 with a 9-channel UNet starts from pure noise.
        var encode = Assert.Single(harness.Vae.EncodeCalls).Request;
        Assert.Equal([[1L, 4, 8, 8]], encode.RngDrawsBefore.Select(s => s.Dims.ToArray()));
        var denoise = Assert.Single(harness.Denoisers[0].Calls).Request;
        Assert.Null(denoise.ImageLatents);
        Assert.Empty(denoise.RngDrawsBeforeNoise);
        Assert.NotNull(denoise.MaskedImageLatents);
    }

    [Fact]
    public async Task Generate_NineChannelUNetWithoutMask_InvalidArgument()
    {
        await using var harness = await GatewayHarness.StartAsync(new HarnessSettings
        {
            Fakes = (_, denoisers, _) => denoisers[0].Description.InChannels = 9,
        });

        var error = await harness.GenerateFailsAsync(GatewayHarness.Request());

        Assert.Equal(Grpc.StatusCode.InvalidArgument, error.StatusCode);
        Assert.Contains("is an inpainting UNet (9 input channels)", error.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Generate_ExplicitLatents_ArePassedAsInitialLatents()
    {
        await using var harness = await GatewayHarness.StartAsync();
        var latents = Tensors.FromFloats(FakeData.NoiseArray(3, 256), 1, 4, 8, 8);
        var request = GatewayHarness.Request();
        request.Latents = latents;

        await harness.GenerateAsync(request);

        Assert.Equal(latents, Assert.Single(harness.Denoisers[0].Calls).Request.InitialLatents);
    }
}
