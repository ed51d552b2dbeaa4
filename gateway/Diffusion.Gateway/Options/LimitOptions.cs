namespace Diffusion.Gateway.Options;

/// <summary>What a request may ask for, and the defaults of fields left at 0.</summary>
public sealed class LimitOptions
{
    /// <summary>Smallest width and height in pixels.</summary>
    public int MinImageSize { get; set; } = 16;

    /// <summary>Largest width and height in pixels.</summary>
    public int MaxImageSize { get; set; } = 2048;

    /// <summary>Steps when the request says 0 (diffusers' default).</summary>
    public int DefaultSteps { get; set; } = 50;

    /// <summary>Largest number of inference steps.</summary>
    public int MaxSteps { get; set; } = 150;

    /// <summary>Guidance scale when the request leaves it unset or 0 (diffusers' default).</summary>
    public float DefaultGuidanceScale { get; set; } = 7.5f;

    /// <summary>Largest guidance scale.</summary>
    public float MaxGuidanceScale { get; set; } = 50f;

    /// <summary>Largest num_images.</summary>
    public int MaxImages { get; set; } = 4;

    /// <summary>Largest prompt and negative prompt, in UTF-8 bytes each.</summary>
    public int MaxPromptBytes { get; set; } = 4096;

    /// <summary>Largest number of scheduler_options entries.</summary>
    public int MaxSchedulerOptions { get; set; } = 16;

    /// <summary>Largest request message in bytes (PNG init images and masks travel in it).</summary>
    public int MaxRequestBytes { get; set; } = 32 * 1024 * 1024;

    /// <summary>Largest message accepted from a downstream service, in bytes (decoded PNGs, latents).</summary>
    public int MaxDownstreamMessageBytes { get; set; } = 256 * 1024 * 1024;

    internal void Validate()
    {
        if (MinImageSize < 1 || MaxImageSize < MinImageSize)
            throw GatewayOptions.Invalid("Limits:MinImageSize", "need 1 <= MinImageSize <= MaxImageSize");
        if (MaxSteps < 1 || DefaultSteps < 1 || DefaultSteps > MaxSteps)
            throw GatewayOptions.Invalid("Limits:DefaultSteps", "need 1 <= DefaultSteps <= MaxSteps");
        if (!float.IsFinite(DefaultGuidanceScale) || !float.IsFinite(MaxGuidanceScale) || DefaultGuidanceScale < 0 || DefaultGuidanceScale > MaxGuidanceScale)
            throw GatewayOptions.Invalid("Limits:DefaultGuidanceScale", "need 0 <= DefaultGuidanceScale <= MaxGuidanceScale, both finite");
        if (MaxImages < 1)
            throw GatewayOptions.Invalid("Limits:MaxImages", "must be at least 1");
        if (MaxPromptBytes < 1)
            throw GatewayOptions.Invalid("Limits:MaxPromptBytes", "must be at least 1");
        if (MaxSchedulerOptions < 0)
            throw GatewayOptions.Invalid("Limits:MaxSchedulerOptions", "must not be negative");
        if (MaxRequestBytes < 1024 || MaxDownstreamMessageBytes < 1024)
            throw GatewayOptions.Invalid("Limits:MaxRequestBytes", "message limits must be at least 1024 bytes");
    }
}
