using System.Reflection;

namespace Diffusion.Benchmarking;

/// <summary>The public diffusers config.json files embedded in this library, so `--random-weights sd15|sd21`
/// builds the full-size architectures with no download.</summary>
public static class ModelConfigs
{
    /// <summary>The architectures `--random-weights` accepts.</summary>
    public static IReadOnlyList<string> Architectures { get; } = ["sd15", "sd21", "tiny"];

    /// <summary>The config.json text of <paramref name="component"/> ("unet", ...) for <paramref name="architecture"/>.</summary>
    /// <exception cref="ArgumentException">No such embedded config.</exception>
    public static string Read(string architecture, string component)
    {
        var name = $"Diffusion.Benchmarking.Configs.{architecture}-{component}.json";
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream(name)
            ?? throw new ArgumentException($"no embedded {component} config for '{architecture}' (have: {string.Join(", ", Architectures)})");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    /// <summary>Writes the config to a new file in <paramref name="folder"/> and returns its path.</summary>
    public static string WriteTo(string folder, string architecture, string component)
    {
        Directory.CreateDirectory(folder);
        var path = Path.Combine(folder, $"{architecture}-{component}.json");
        File.WriteAllText(path, Read(architecture, component));
        return path;
    }
}
