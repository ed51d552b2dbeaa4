namespace Diffusion.Gateway.Readiness;

/// <summary>
/// Whether a text encoder, a UNet and a VAE can work together, from their Describe answers. Any
/// encoder implementing the TextEncoder contract may be plugged in; this is where a wrong one is
/// refused, with a message naming both sides.
/// </summary>
internal static class CompatibilityCheck
{
    /// <summary>The problems found; empty when the three fit together.</summary>
    public static IReadOnlyList<string> FindProblems(DownstreamDescriptions d)
    {
        var problems = new List<string>();
        var (enc, unet, vae) = (d.Encoder, d.Denoiser, d.Vae);
        string encoder = $"text encoder '{enc.Name}'";
        string model = $"the UNet '{unet.Model}'";
        string vaeName = $"the VAE '{vae.Model}'";

        if (enc.HiddenSize != unet.CrossAttentionDim)
            problems.Add($"{encoder} produces {enc.HiddenSize}-dim embeddings but {model} expects {unet.CrossAttentionDim}");
        // CLIP-style encoders wrap every prompt in BOS ... EOS: fewer than 3 positions leave no room for a token.
        if (enc.MaxTokens < 3)
            problems.Add($"{encoder} reports a sequence length of {enc.MaxTokens} tokens, too short for BOS, a token and EOS");
        if (vae.LatentChannels < 1)
            problems.Add($"{vaeName} reports {vae.LatentChannels} latent channels");
        else
        {
            if (unet.OutChannels != vae.LatentChannels)
                problems.Add($"{vaeName} has {vae.LatentChannels} latent channels but {model} outputs {unet.OutChannels}");
            if (unet.InChannels != vae.LatentChannels && unet.InChannels != 2 * vae.LatentChannels + 1)
                problems.Add($"{model} takes {unet.InChannels} input channels but {vaeName}'s {vae.LatentChannels} latent channels need " +
                             $"{vae.LatentChannels} (text-to-image) or {2 * vae.LatentChannels + 1} (inpainting)");
        }
        if (vae.DownscaleFactor < 1)
            problems.Add($"{vaeName} reports a downscale factor of {vae.DownscaleFactor}");
        if (!(vae.ScalingFactor > 0) || double.IsInfinity(vae.ScalingFactor))
            problems.Add($"{vaeName} reports a scaling factor of {vae.ScalingFactor}");
        if (unet.SampleSize < 1)
            problems.Add($"{model} reports a sample size of {unet.SampleSize}");
        return problems;
    }
}
