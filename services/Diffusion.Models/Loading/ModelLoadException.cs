namespace Diffusion.Models.Loading;

/// <summary>A model folder, config or weight file is missing, malformed or asks for an option this
/// implementation does not support. The message names the file (and the option and value).</summary>
public sealed class ModelLoadException : Exception
{
    /// <summary>Creates the exception for <paramref name="path"/>.</summary>
    public ModelLoadException(string path, string problem, Exception? inner = null)
        : base($"{path}: {problem}", inner)
    {
        FilePath = path;
    }

    /// <summary>The file or folder at fault.</summary>
    public string FilePath { get; }
}
