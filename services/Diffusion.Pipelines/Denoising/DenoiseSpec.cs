namespace Diffusion.Pipelines.Denoising;

/// <summary>A validated denoising request, engine-free: everything is row-major float32.
/// N = number of latents (prompts x images per prompt); rows of the embeddings are already
/// repeated per image in diffusers' order (prompt 0's copies, then prompt 1's, ...).</summary>
public sealed record DenoiseSpec
{
    /// <summary>Latents denoised together: [N, C, h, w].</summary>
    public required int Count { get; init; }
    public required int LatentChannels { get; init; }
    public required int LatentHeight { get; init; }
    public required int LatentWidth { get; init; }

    /// <summary>Positive embeddings [N, L, D].</summary>
    public required float[] Cond { get; init; }
    /// <summary>Negative embeddings [N, L, D]; null when guidance is off.</summary>
    public float[]? Uncond { get; init; }
    public required int SequenceLength { get; init; }
    public required int EmbeddingDim { get; init; }

    public float GuidanceScale { get; init; } = 7.5f;
    /// <summary>diffusers: do_classifier_free_guidance = guidance_scale > 1.</summary>
    public bool DoClassifierFreeGuidance => GuidanceScale > 1f;

    public required int Steps { get; init; }
    /// <summary>Keyword arguments of scheduler.step (DDIM eta, Euler churn); null = defaults.</summary>
    public Diffusion.Schedulers.StepOptions? StepOptions { get; init; }
    public long? Seed { get; init; }

    /// <summary>diffusers' <c>latents=</c> [N, C, h, w]; scaled by init_noise_sigma.</summary>
    public float[]? InitialLatents { get; init; }

    /// <summary>img2img / inpainting: scaled VAE latents of the init image [N, C, h, w].</summary>
    public float[]? ImageLatents { get; init; }
    public float Strength { get; init; } = 1f;

    /// <summary>Inpainting: [N, 1, h, w], 1 = repaint.</summary>
    public float[]? Mask { get; init; }
    /// <summary>Inpainting with a 9-channel UNet: [N, C, h, w].</summary>
    public float[]? MaskedImageLatents { get; init; }

    /// <summary>Draws made from the same seed elsewhere (VAE sampling) before the initial noise
    /// and between it and the first step, replayed to keep diffusers' single-generator order.</summary>
    public IReadOnlyList<long[]> RngDrawsBeforeNoise { get; init; } = [];
    public IReadOnlyList<long[]> RngDrawsAfterNoise { get; init; } = [];

    public bool IsInpainting => Mask is not null;
    public bool IsImageToImage => ImageLatents is not null && Mask is null;

    public long[] LatentShape => [Count, LatentChannels, LatentHeight, LatentWidth];
    public int LatentSize => Count * LatentChannels * LatentHeight * LatentWidth;
}
