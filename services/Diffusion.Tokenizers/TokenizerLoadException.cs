namespace Diffusion.Tokenizers;

/// <summary>A tokenizer file is missing or malformed; <see cref="FilePath"/> names the file.</summary>
public sealed class TokenizerLoadException : IOException
{
    /// <summary>Creates the exception for <paramref name="filePath"/>.</summary>
    public TokenizerLoadException(string filePath, string message, Exception? inner = null)
        : base($"{filePath}: {message}", inner)
    {
        FilePath = filePath;
    }

    /// <summary>The file that could not be loaded.</summary>
    public string FilePath { get; }
}
