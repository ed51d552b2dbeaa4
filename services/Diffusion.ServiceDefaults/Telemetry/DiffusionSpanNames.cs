namespace Diffusion.ServiceDefaults.Telemetry;

/// <summary>
/// Names of the spans our own code creates, so a trace in Jaeger reads the same whichever
/// service made it. RPC spans made by the transport follow the semantic conventions instead
/// (<c>{rpc.service}/{rpc.method}</c>).
/// </summary>
public static class DiffusionSpanNames
{
    /// <summary>The gateway's span for one Generate request: the root of the pipeline.</summary>
    public const string Generate = "diffusion.generate";

    /// <summary>Tokenisation and CLIP encoding of the prompts.</summary>
    public const string EncodeText = "diffusion.encode_text";

    /// <summary>The whole denoising loop of a request.</summary>
    public const string Denoise = "diffusion.denoise";

    /// <summary>One denoising step: UNet forward plus scheduler step (one per step).</summary>
    public const string DenoiseStep = "diffusion.denoise.step";

    /// <summary>VAE decoding of latents into images.</summary>
    public const string VaeDecode = "diffusion.vae.decode";

    /// <summary>VAE encoding of images into latents (img2img, inpainting).</summary>
    public const string VaeEncode = "diffusion.vae.encode";
}
