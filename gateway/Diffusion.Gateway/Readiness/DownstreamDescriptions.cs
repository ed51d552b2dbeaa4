using Diffusion.Contracts.V1;

namespace Diffusion.Gateway.Readiness;

/// <summary>What the three downstream services said about themselves (Describe), checked compatible.</summary>
internal sealed record DownstreamDescriptions(TextEncoderDescription Encoder, DenoiserDescription Denoiser, VaeDescription Vae)
{
    /// <summary>Latent channels of the VAE (= the UNet's output channels).</summary>
    public int LatentChannels => Vae.LatentChannels;

    /// <summary>Pixels per latent along each axis (8 for SD).</summary>
    public int DownscaleFactor => Vae.DownscaleFactor;

    /// <summary>A 9-channel inpainting UNet: latents, mask and masked-image latents concatenated.</summary>
    public bool IsInpaintingUNet => Denoiser.InChannels == 2 * Vae.LatentChannels + 1;

    /// <summary>The model's default image side in pixels: UNet sample_size x the VAE factor.</summary>
    public int DefaultImageSize => Denoiser.SampleSize * Vae.DownscaleFactor;
}
