using Diffusion.Torch.Nn;
using Diffusion.Torch.Safetensors;

namespace Diffusion.Models.Loading;

/// <summary>Chooses and opens a component's weight file the way diffusers' <c>from_pretrained</c> names
/// them: <c>model.safetensors</c> (transformers) or <c>diffusion_pytorch_model.safetensors</c>
/// (diffusers), the variant spelling <c>model.fp16.safetensors</c>, and sharded checkpoints
/// <c>*.safetensors.index.json</c> / <c>*.safetensors.index.fp16.json</c>.</summary>
public static class WeightFiles
{
    private static readonly string[] BaseNames = ["diffusion_pytorch_model", "model"];

    /// <summary>The weight file of <paramref name="componentDir"/>. With <paramref name="variant"/> (e.g.
    /// "fp16") the variant file is preferred; without, the plain file is preferred. Either way the other
    /// spelling is the fallback, so a folder holding only fp16 weights still loads (the module converts
    /// them to its dtype while reading).</summary>
    /// <exception cref="ModelLoadException">No safetensors weight file is there; the message lists the names tried.</exception>
    public static string Resolve(string componentDir, string? variant = null)
    {
        ArgumentNullException.ThrowIfNull(componentDir);
        if (!Directory.Exists(componentDir)) throw new ModelLoadException(componentDir, "component folder not found");
        var tried = new List<string>();
        var order = variant is null ? new[] { (string?)null, "fp16" } : new[] { variant, null };
        foreach (var v in order)
        {
            foreach (var baseName in BaseNames)
            {
                foreach (var name in Candidates(baseName, v))
                {
                    tried.Add(name);
                    var path = Path.Combine(componentDir, name);
                    if (File.Exists(path)) return path;
                }
            }
        }
        throw new ModelLoadException(componentDir, "no safetensors weights found (tried " + string.Join(", ", tried) + ")");
    }

    /// <summary>Opens <paramref name="path"/>: a sharded index as <see cref="SafetensorsShards"/>, otherwise
    /// a single memory-mapped <see cref="SafetensorsFile"/>. The caller owns the result and disposes it
    /// (both implement <see cref="IDisposable"/>) after loading.</summary>
    public static IStateDictSource Open(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (!File.Exists(path)) throw new ModelLoadException(path, "weight file not found");
        // Why not Safetensors.Open: diffusers spells a sharded variant index "x.safetensors.index.fp16.json",
        // which does not end in ".index.json".
        var name = Path.GetFileName(path);
        return name.Contains(".safetensors.index", StringComparison.Ordinal) && name.EndsWith(".json", StringComparison.Ordinal)
            ? SafetensorsShards.Open(path)
            : SafetensorsFile.Open(path);
    }

    private static IEnumerable<string> Candidates(string baseName, string? variant) => variant is null
        ? [$"{baseName}.safetensors", $"{baseName}.safetensors.index.json"]
        : [$"{baseName}.{variant}.safetensors", $"{baseName}.safetensors.index.{variant}.json"];
}
