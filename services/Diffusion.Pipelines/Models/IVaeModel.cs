namespace Diffusion.Pipelines.Models;

/// <summary>The VAE's static description (from its config.json).</summary>
public sealed record VaeInfo(string Name, double ScalingFactor, int LatentChannels, int DownscaleFactor, string Device, string DType);

/// <summary>AutoencoderKL behind managed arrays.</summary>
public interface IVaeModel
{
    VaeInfo Info { get; }

    /// <summary>Decodes latents already divided by the scaling factor.</summary>
    /// <param name="latents">[B, C, h, w].</param>
    /// <returns>Images [B, 3, h*f, w*f] in about [-1, 1], unclamped.</returns>
    float[] Decode(ReadOnlySpan<float> latents, long[] shape, bool tiled, CancellationToken cancellationToken = default);

    /// <summary>Encodes images in [-1, 1] ([B, 3, H, W]) to the latent distribution.</summary>
    /// <returns>Mean and log-variance (clamped to [-30, 20]), each [B, C, H/f, W/f].</returns>
    (float[] Mean, float[] LogVar, long[] Shape) Encode(ReadOnlySpan<float> images, long[] shape, bool tiled, CancellationToken cancellationToken = default);
}
