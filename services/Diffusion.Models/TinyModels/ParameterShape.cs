namespace Diffusion.Models.TinyModels;

/// <summary>One state-dict entry: its dotted diffusers key and shape.</summary>
/// <param name="Key">e.g. "down_blocks.0.resnets.0.conv1.weight".</param>
/// <param name="Shape">e.g. [32, 32, 3, 3].</param>
public sealed record ParameterShape(string Key, long[] Shape);
