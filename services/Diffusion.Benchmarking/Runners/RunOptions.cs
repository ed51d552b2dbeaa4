namespace Diffusion.Benchmarking.Runners;

/// <summary>Shape and repetition settings shared by the benchmark kinds.</summary>
/// <param name="Batch">Images per run (the UNet runs 2x this many rows with classifier-free guidance).</param>
/// <param name="ImageSize">Image height and width in pixels (latents are 1/8 of it).</param>
/// <param name="Steps">Denoising steps (pipeline, service, concurrency).</param>
/// <param name="Warmup">Untimed runs first.</param>
/// <param name="Iterations">Timed runs.</param>
/// <param name="Guidance">Classifier-free guidance (doubles the UNet rows) when true.</param>
public sealed record RunOptions(int Batch, int ImageSize, int Steps, int Warmup, int Iterations, bool Guidance = true)
{
    /// <summary>The VAE's spatial downscale factor (8 for every SD 1.x / 2.x VAE).</summary>
    public const int LatentFactor = 8;

    /// <summary>Latent height and width.</summary>
    public int LatentSize => ImageSize / LatentFactor;

    /// <summary>UNet rows per forward: 2 x batch with guidance (uncond + cond), else batch.</summary>
    public int UNetRows => Guidance ? 2 * Batch : Batch;

    /// <summary>Settings for reports.</summary>
    public Dictionary<string, string> Describe() => new()
    {
        ["batch"] = Batch.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["size"] = $"{ImageSize}x{ImageSize}",
        ["latents"] = $"{LatentSize}x{LatentSize}",
    };
}
