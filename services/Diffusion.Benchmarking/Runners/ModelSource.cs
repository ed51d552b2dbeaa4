namespace Diffusion.Benchmarking.Runners;

/// <summary>Where a benchmark's models come from and how they run.</summary>
/// <param name="RandomArchitecture">sd15, sd21 or tiny: the full-size (or tiny) architecture built from the embedded
/// config.json with random weights, no download; null when <paramref name="ModelDirectory"/> is used.</param>
/// <param name="ModelDirectory">A diffusers model folder (unet/, vae/, text_encoder/, tokenizer/, scheduler/).</param>
/// <param name="Device">"cpu" or "cuda" (or "cuda:N").</param>
/// <param name="DType">"f32", "f16" or "bf16".</param>
public sealed record ModelSource(string? RandomArchitecture, string? ModelDirectory, string Device, string DType)
{
    /// <summary>A short name for tables: the architecture, or the model folder's name.</summary>
    public string Name => RandomArchitecture is { } a ? $"{a} (random weights)" : Path.GetFileName(Path.TrimEndingDirectorySeparator(ModelDirectory ?? ""));

    /// <summary>The config.json of <paramref name="component"/> inside the model folder; null for random weights.</summary>
    public string? ConfigPathFor(string component) =>
        ModelDirectory is { } dir ? Path.Combine(dir, component, "config.json") : null;
}
