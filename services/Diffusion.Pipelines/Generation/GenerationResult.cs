namespace Diffusion.Pipelines.Generation;

/// <summary>A finished generation.</summary>
/// <param name="Image">F32 NHWC [N, H, W, 3] in [0, 1]: <c>(vae.decode(latents / scaling_factor) / 2 + 0.5).clamp(0, 1)</c>, before quantization.</param>
/// <param name="FinalLatents">F32 [N, C, h, w], the latents handed to the VAE (before dividing by the scaling factor).</param>
/// <param name="LatentShape">[N, C, h, w].</param>
/// <param name="Timesteps">The UNet timesteps used, in order.</param>
/// <param name="PromptTruncated">Whether a prompt was cut at the encoder's token limit.</param>
public sealed record GenerationResult(float[] Image, float[] FinalLatents, long[] LatentShape, IReadOnlyList<double> Timesteps,
    bool PromptTruncated)
{
    /// <summary>Images in the batch.</summary>
    public int Count => (int)LatentShape[0];
}
