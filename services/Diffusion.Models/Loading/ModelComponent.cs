namespace Diffusion.Models.Loading;

/// <summary>One entry of <c>model_index.json</c>: <c>"unet": ["diffusers", "UNet2DConditionModel"]</c>.</summary>
/// <param name="Name">The component key, also its subfolder name ("unet").</param>
/// <param name="Library">"diffusers" or "transformers"; null for an absent component (<c>[null, null]</c>).</param>
/// <param name="ClassName">The Python class ("UNet2DConditionModel"); null for an absent component.</param>
public sealed record ModelComponent(string Name, string? Library, string? ClassName)
{
    /// <summary>False for <c>[null, null]</c> entries (e.g. a removed safety checker).</summary>
    public bool IsPresent => ClassName is not null;
}
