using Diffusion.Contracts.V1;
using Diffusion.Gateway.Readiness;
using Diffusion.Gateway.Tests.Fakes;

namespace Diffusion.Gateway.Tests.Unit;

public sealed class CompatibilityCheckTests
{
    private static DownstreamDescriptions Sd15(Action<TextEncoderDescription, DenoiserDescription, VaeDescription>? change = null)
    {
        var encoder = new TextEncoderDescription { Name = "clip-vit-l", HiddenSize = 768, MaxTokens = 77, NumLayers = 12 };
        var unet = FakeDenoiser.CreateDescription();
        unet.Model = "sd15";
        unet.CrossAttentionDim = 768;
        unet.SampleSize = 64;
        var vae = new VaeDescription { Model = "sd-vae", LatentChannels = 4, DownscaleFactor = 8, ScalingFactor = 0.18215 };
        change?.Invoke(encoder, unet, vae);
        return new DownstreamDescriptions(encoder, unet, vae);
    }

    [Fact]
    public void FindProblems_MatchingModels_None()
    {
        Assert.Empty(CompatibilityCheck.FindProblems(Sd15()));
        Assert.Equal(512, Sd15().DefaultImageSize);
    }

    [Fact]
    public void FindProblems_NineChannelInpaintingUNet_Accepted()
    {
        var models = Sd15((_, unet, _) => unet.InChannels = 9);

        Assert.Empty(CompatibilityCheck.FindProblems(models));
        Assert.True(models.IsInpaintingUNet);
    }

    [Theory]
    [InlineData("hidden", "text encoder 'clip-vit-l' produces 1024-dim embeddings but the UNet 'sd15' expects 768")]
    [InlineData("tokens", "text encoder 'clip-vit-l' reports a sequence length of 2 tokens")]
    [InlineData("latent", "the VAE 'sd-vae' has 16 latent channels but the UNet 'sd15' outputs 4")]
    [InlineData("in", "the UNet 'sd15' takes 8 input channels but the VAE 'sd-vae''s 4 latent channels need 4 (text-to-image) or 9 (inpainting)")]
    [InlineData("factor", "the VAE 'sd-vae' reports a downscale factor of 0")]
    [InlineData("scaling", "the VAE 'sd-vae' reports a scaling factor of NaN")]
    [InlineData("sample", "the UNet 'sd15' reports a sample size of 0")]
    public void FindProblems_Mismatch_NamesBothSides(string what, string expected)
    {
        var models = Sd15((encoder, unet, vae) =>
        {
            switch (what)
            {
                case "hidden": encoder.HiddenSize = 1024; break;
                case "tokens": encoder.MaxTokens = 2; break;
                case "latent": vae.LatentChannels = 16; unet.InChannels = 33; break;
                case "in": unet.InChannels = 8; break;
                case "factor": vae.DownscaleFactor = 0; break;
                case "scaling": vae.ScalingFactor = double.NaN; break;
                case "sample": unet.SampleSize = 0; break;
            }
        });

        Assert.Contains(CompatibilityCheck.FindProblems(models), p => p.StartsWith(expected, StringComparison.Ordinal));
    }
}
