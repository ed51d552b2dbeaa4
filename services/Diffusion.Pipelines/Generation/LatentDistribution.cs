namespace Diffusion.Pipelines.Generation;

/// <summary>
/// diffusers' <c>DiagonalGaussianDistribution</c> (autoencoders/vae.py) on managed arrays: the
/// VAE encoder's moments to a latent sample. The in-process pipeline and the VaeCodec service both
/// call this, so an image-to-image run is the same bit for bit in one process or across four.
/// </summary>
public static class LatentDistribution
{
    /// <summary><c>scaling_factor * (mean + exp(0.5 * clamp(logvar, -30, 20)) * noise)</c>, element-wise, in float32 as torch computes it.</summary>
    public static float[] ScaledSample(ReadOnlySpan<float> mean, ReadOnlySpan<float> logVar, ReadOnlySpan<float> noise, float scalingFactor)
    {
        if (logVar.Length != mean.Length || noise.Length != mean.Length)
            throw new ArgumentException($"mean ({mean.Length}), logvar ({logVar.Length}) and noise ({noise.Length}) must have the same size");
        var result = new float[mean.Length];
        for (int i = 0; i < result.Length; i++)
        {
            float std = MathF.Exp(0.5f * Math.Clamp(logVar[i], -30f, 20f));
            result[i] = scalingFactor * (mean[i] + std * noise[i]);
        }
        return result;
    }

    /// <summary><c>scaling_factor * mean</c> (diffusers' <c>latent_dist.mode()</c>, "argmax" sampling).</summary>
    public static float[] ScaledMode(ReadOnlySpan<float> mean, float scalingFactor)
    {
        var result = new float[mean.Length];
        for (int i = 0; i < result.Length; i++) result[i] = scalingFactor * mean[i];
        return result;
    }
}
