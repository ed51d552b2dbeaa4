using Diffusion.Contracts.V1;
using Diffusion.Imaging;

namespace Diffusion.Gateway.Generation;

/// <summary>A validated Generate request with every default filled in.</summary>
internal sealed class GenerationPlan
{
    public required string Prompt { get; init; }

    /// <summary>Encoded as the text "" when empty (diffusers), never as zeros.</summary>
    public required string NegativePrompt { get; init; }

    /// <summary>Image size in pixels.</summary>
    public required int Width { get; init; }

    public required int Height { get; init; }

    /// <summary>Latent size: pixels / the VAE's downscale factor.</summary>
    public required int LatentWidth { get; init; }

    public required int LatentHeight { get; init; }

    public required int Steps { get; init; }

    /// <summary>Classifier-free guidance scale; guidance runs only above 1 (diffusers).</summary>
    public required float GuidanceScale { get; init; }

    /// <summary>The scheduler as the denoiser names it; "" = the model's own.</summary>
    public required string Scheduler { get; init; }

    public required IReadOnlyDictionary<string, string> SchedulerOptions { get; init; }

    public required long Seed { get; init; }

    /// <summary>Images of the one prompt: the latent batch N.</summary>
    public required int NumImages { get; init; }

    public required int ClipSkip { get; init; }

    public required bool ChunkLongPrompts { get; init; }

    public required bool RawOutput { get; init; }

    /// <summary>The init image's PNG as received (img2img and inpainting), and decoded.</summary>
    public byte[]? InitImagePng { get; init; }

    public Image? InitImage { get; init; }

    /// <summary>In (0, 1] with an init image, else 0.</summary>
    public float Strength { get; init; }

    /// <summary>The inpainting mask (white = repaint), the init image's size.</summary>
    public Image? Mask { get; init; }

    /// <summary>diffusers' <c>latents=</c>: [N, C, h, w] F32, already checked.</summary>
    public Tensor? Latents { get; init; }

    public bool UsesGuidance => GuidanceScale > 1f;

    public bool IsInpainting => Mask is not null;

    public bool IsImageToImage => InitImage is not null && Mask is null;
}
