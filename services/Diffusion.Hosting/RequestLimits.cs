namespace Diffusion.Hosting;

/// <summary>Bounds on what one request may ask for, from the configuration section
/// <c>Diffusion:Limits</c>. Requests outside them are INVALID_ARGUMENT before any model work.</summary>
public sealed class RequestLimits
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "Diffusion:Limits";

    /// <summary><c>MaxPrompts</c>: prompts in one Encode call. Default 64.</summary>
    public int MaxPrompts { get; set; } = 64;

    /// <summary><c>MaxPromptLength</c>: characters (UTF-16 code units) in one prompt. Default 8192
    /// (far beyond any useful CLIP input even when chunked).</summary>
    public int MaxPromptLength { get; set; } = 8192;

    /// <summary><c>MaxSteps</c>: inference steps of one Denoise call. Default 500.</summary>
    public int MaxSteps { get; set; } = 500;

    /// <summary><c>MaxLatentSize</c>: latent height or width (pixels / 8 for SD). Default 256 (2048 px).</summary>
    public int MaxLatentSize { get; set; } = 256;

    /// <summary><c>MaxImagesPerPrompt</c>: Denoise's num_images_per_prompt. Default 16.</summary>
    public int MaxImagesPerPrompt { get; set; } = 16;

    /// <summary><c>MaxImages</c>: latents in one Denoise call (prompts x images per prompt) and images in
    /// one VAE Decode or Encode call. Default 16.</summary>
    public int MaxImages { get; set; } = 16;

    /// <summary>Checks the values.</summary>
    /// <exception cref="InvalidOperationException">A value is not positive (the message names the key).</exception>
    public void Validate()
    {
        Positive(MaxPrompts, nameof(MaxPrompts));
        Positive(MaxPromptLength, nameof(MaxPromptLength));
        Positive(MaxSteps, nameof(MaxSteps));
        Positive(MaxLatentSize, nameof(MaxLatentSize));
        Positive(MaxImagesPerPrompt, nameof(MaxImagesPerPrompt));
        Positive(MaxImages, nameof(MaxImages));
    }

    private static void Positive(int value, string key)
    {
        if (value < 1)
            throw new InvalidOperationException($"Configuration {SectionName}:{key}: {value} must be at least 1.");
    }
}
