using Diffusion.Torch.Nn;

namespace Diffusion.Torch.Safetensors;

/// <summary>Opens either kind of safetensors checkpoint.</summary>
public static class Safetensors
{
    /// <summary>A <c>*.safetensors.index.json</c> opens as <see cref="SafetensorsShards"/>, anything else as a
    /// single <see cref="SafetensorsFile"/>. Dispose the result to unmap the files.</summary>
    public static IStateDictSource Open(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        return path.EndsWith(".index.json", StringComparison.OrdinalIgnoreCase)
            ? SafetensorsShards.Open(path)
            : SafetensorsFile.Open(path);
    }
}
