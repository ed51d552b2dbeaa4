using Diffusion.Contracts;
using Diffusion.Contracts.V1;
using Diffusion.Hosting;
using Diffusion.Pipelines.Denoising;
using Diffusion.Pipelines.Generation;
using Diffusion.Pipelines.Models;
using Diffusion.Schedulers;

namespace Diffusion.Denoiser;

/// <summary>
/// Checks a <see cref="DenoiseRequest"/> completely before any compute (shapes against each other and
/// against the UNet, ranges, finiteness, the scheduler and its options, the checkpoint) and turns it
/// into a <see cref="DenoisePlan"/>. Every failure is a <see cref="ArgumentException"/> (INVALID_ARGUMENT)
/// whose message starts with the offending field.
/// </summary>
internal static class DenoiseRequestValidator
{
    public static DenoisePlan Validate(DenoiseRequest request, UNetInfo unet, SchedulerConfig schedulerConfig, RequestLimits limits)
    {
        if (request.Steps < 1 || request.Steps > limits.MaxSteps)
            throw Invalid("steps", $"{request.Steps} is not in [1, {limits.MaxSteps}]");
        if (request.LatentHeight < 1 || request.LatentHeight > limits.MaxLatentSize)
            throw Invalid("latent_height", $"{request.LatentHeight} is not in [1, {limits.MaxLatentSize}]");
        if (request.LatentWidth < 1 || request.LatentWidth > limits.MaxLatentSize)
            throw Invalid("latent_width", $"{request.LatentWidth} is not in [1, {limits.MaxLatentSize}]");
        // proto3 cannot tell 0 from unset: 0 means the default, one image per prompt.
        int perPrompt = request.NumImagesPerPrompt == 0 ? 1 : request.NumImagesPerPrompt;
        if (perPrompt < 1 || perPrompt > limits.MaxImagesPerPrompt)
            throw Invalid("num_images_per_prompt", $"{request.NumImagesPerPrompt} is not in [1, {limits.MaxImagesPerPrompt}]");
        float guidance = request.GuidanceScale;
        if (!float.IsFinite(guidance))
            throw Invalid("guidance_scale", $"{guidance} is not a finite number");
        if (request.CheckpointEvery < 0)
            throw Invalid("checkpoint_every", $"{request.CheckpointEvery} is negative");
        if (request.PreviewEvery < 0)
            throw Invalid("preview_every", $"{request.PreviewEvery} is negative");

        // Embeddings [B, L, D] with D the UNet's cross-attention width.
        var (cond, condShape) = RequestTensors.ReadFloats(request.CondEmbeddings, "cond_embeddings", 3);
        if (condShape[2] != unet.CrossAttentionDim)
            throw Invalid("cond_embeddings", $"has width {condShape[2]} (shape [{string.Join(", ", condShape)}]) but the UNet cross-attends to {unet.CrossAttentionDim}");
        int prompts = checked((int)condShape[0]);
        int seq = checked((int)condShape[1]);
        long count = (long)prompts * perPrompt;
        if (count > limits.MaxImages)
            throw Invalid("num_images_per_prompt", $"{prompts} prompts x {perPrompt} images = {count} latents, over the limit of {limits.MaxImages}");
        int n = (int)count;
        bool guided = guidance > 1f;
        float[]? uncond = null;
        if (guided)
        {
            if (request.UncondEmbeddings is null)
                throw Invalid("uncond_embeddings", $"is required when guidance_scale > 1 (got {guidance})");
            (uncond, var uncondShape) = RequestTensors.ReadFloats(request.UncondEmbeddings, "uncond_embeddings", 3);
            RequestTensors.RequireShape(uncondShape, condShape, "uncond_embeddings", "the shape of cond_embeddings");
        }

        // Latent channels: what the UNet predicts; its input is the same, or latents + mask +
        // masked image latents for a 9-channel inpainting UNet.
        int channels = unet.OutChannels;
        bool inpaintingUNet = unet.InChannels == 2 * channels + 1;
        if (unet.InChannels != channels && !inpaintingUNet)
            throw new InvalidOperationException($"UNet with {unet.InChannels} input and {channels} output channels is not supported");
        long[] latentShape = [n, channels, request.LatentHeight, request.LatentWidth];
        string latentWhat = $"[N, C, h, w] =";

        float[]? initial = ReadLatents(request.InitialLatents, "initial_latents", latentShape, latentWhat);
        float[]? image = ReadLatents(request.ImageLatents, "image_latents", latentShape, latentWhat);
        float strength = 1f;
        if (image is not null)
        {
            strength = request.Strength;
            if (!(strength > 0f && strength <= 1f))
                throw Invalid("strength", $"{request.Strength} is not in (0, 1] (required with image_latents)");
        }
        float[]? mask = ReadLatents(request.Mask, "mask", [n, 1, request.LatentHeight, request.LatentWidth], "[N, 1, h, w] =");
        float[]? masked = ReadLatents(request.MaskedImageLatents, "masked_image_latents", latentShape, latentWhat);
        if (inpaintingUNet)
        {
            if (mask is null || masked is null)
                throw Invalid(mask is null ? "mask" : "masked_image_latents",
                    $"is required: the UNet is a {unet.InChannels}-channel inpainting model");
            if (image is not null && strength < 1f && initial is null && !request.HasSeed)
                throw Invalid("seed", "is required to noise image_latents");
        }
        else
        {
            if (masked is not null)
                throw Invalid("masked_image_latents", $"are only used by a 9-channel inpainting UNet; this one has {unet.InChannels} input channels");
            if (mask is not null && image is null)
                throw Invalid("image_latents", "are required with a mask (4-channel inpainting blends them back every step)");
        }
        if (initial is null && !request.HasSeed)
            throw Invalid("seed", "is required to draw the initial noise (or give initial_latents)");

        long latentElements = (long)n * channels * request.LatentHeight * request.LatentWidth;
        var before = ReplayedDraws.Read(request.RngDrawsBeforeNoise, "rng_draws_before_noise", latentElements);
        var after = ReplayedDraws.Read(request.RngDrawsAfterNoise, "rng_draws_after_noise", latentElements);
        if ((before.Count > 0 || after.Count > 0) && !request.HasSeed)
            throw Invalid("seed", "is required to replay rng_draws_before_noise / rng_draws_after_noise");

        var (stepOptions, overrides) = SchedulerOptions.Split(request.SchedulerOptions);
        var scheduler = SchedulerFactory.Create(string.IsNullOrWhiteSpace(request.Scheduler) ? null : request.Scheduler, schedulerConfig, overrides);

        var spec = new DenoiseSpec
        {
            Count = n,
            LatentChannels = channels,
            LatentHeight = request.LatentHeight,
            LatentWidth = request.LatentWidth,
            Cond = RepeatPerImage(cond, prompts, perPrompt),
            Uncond = uncond is null ? null : RepeatPerImage(uncond, prompts, perPrompt),
            SequenceLength = seq,
            EmbeddingDim = unet.CrossAttentionDim,
            GuidanceScale = guidance,
            Steps = request.Steps,
            StepOptions = stepOptions,
            Seed = request.HasSeed ? request.Seed : null,
            InitialLatents = initial,
            ImageLatents = image,
            Strength = strength,
            Mask = mask,
            MaskedImageLatents = masked,
            RngDrawsBeforeNoise = before,
            RngDrawsAfterNoise = after,
        };
        var resume = request.Resume is null ? null : CheckpointMapper.FromProto(request.Resume, latentShape, scheduler.Name, request.Steps);
        return new DenoisePlan(spec, scheduler, resume);
    }

    /// <summary>diffusers <c>prompt_embeds.repeat(1, n, 1).view(B * n, L, D)</c>: each prompt's row
    /// n times in a row (prompt 0's copies, then prompt 1's...).</summary>
    internal static float[] RepeatPerImage(float[] rows, int prompts, int perPrompt)
    {
        if (perPrompt == 1) return rows;
        int row = rows.Length / prompts;
        var result = new float[rows.Length * perPrompt];
        for (int b = 0; b < prompts; b++)
        {
            for (int k = 0; k < perPrompt; k++)
                rows.AsSpan(b * row, row).CopyTo(result.AsSpan((b * perPrompt + k) * row, row));
        }
        return result;
    }

    private static float[]? ReadLatents(Tensor? tensor, string field, long[] expected, string what)
    {
        if (tensor is null) return null;
        var (values, shape) = RequestTensors.ReadFloats(tensor, field, expected.Length);
        RequestTensors.RequireShape(shape, expected, field, what);
        return values;
    }

    private static TensorValidationException Invalid(string field, string reason) => new(field, reason);
}
