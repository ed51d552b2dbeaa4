using Diffusion.Imaging;

namespace Diffusion.Pipelines.Generation;

/// <summary>One text-to-image (or image-to-image, inpainting) generation, with diffusers'
/// <c>__call__</c> arguments and defaults.</summary>
public sealed record GenerationRequest
{
    /// <summary>The prompts (a batch; usually one).</summary>
    public required IReadOnlyList<string> Prompts { get; init; }

    /// <summary>One negative prompt per prompt; null = "" for each (diffusers' default with guidance).</summary>
    public IReadOnlyList<string>? NegativePrompts { get; init; }

    /// <summary>Denoising steps (num_inference_steps).</summary>
    public int Steps { get; init; } = 50;

    /// <summary>Classifier-free guidance scale; at most 1 disables guidance.</summary>
    public float GuidanceScale { get; init; } = 7.5f;

    /// <summary>Scheduler name or diffusers class; null = the model's scheduler_config.json.</summary>
    public string? Scheduler { get; init; }

    /// <summary>Scheduler options: config overrides and step options (see <see cref="SchedulerOptions"/>).</summary>
    public IReadOnlyDictionary<string, string>? SchedulerOptions { get; init; }

    /// <summary>Seed of the CPU generator every random draw comes from, in diffusers' order.</summary>
    public long Seed { get; init; }

    /// <summary>Image width in pixels (a multiple of the VAE's downscale factor).</summary>
    public int Width { get; init; } = 512;

    /// <summary>Image height in pixels (a multiple of the VAE's downscale factor).</summary>
    public int Height { get; init; } = 512;

    /// <summary>Images per prompt (num_images_per_prompt).</summary>
    public int NumImages { get; init; } = 1;

    /// <summary>img2img / inpainting input image; its size must equal Width x Height.</summary>
    public Image? InitImage { get; init; }

    /// <summary>img2img / inpainting strength in (0, 1].</summary>
    public float Strength { get; init; } = 0.8f;

    /// <summary>Inpainting mask (white = repaint), the init image's size.</summary>
    public Image? Mask { get; init; }

    /// <summary>CLIP layers to skip from the end (0 = last layer).</summary>
    public int ClipSkip { get; init; }

    /// <summary>Encode prompts over 77 tokens in 75-token chunks instead of truncating.</summary>
    public bool ChunkLongPrompts { get; init; }

    /// <summary>diffusers' <c>latents=</c>: F32 [prompts x NumImages, C, H/8, W/8], scaled by init_noise_sigma before the loop.</summary>
    public float[]? Latents { get; init; }
}
