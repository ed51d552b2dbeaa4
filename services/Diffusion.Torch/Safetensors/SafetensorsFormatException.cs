namespace Diffusion.Torch.Safetensors;

/// <summary>A safetensors file (or shard index) is malformed: truncated, bad header length or JSON,
/// unknown dtype, offsets out of range, overlapping or not matching shape × dtype. The message names
/// the file and, where one is at fault, the tensor.</summary>
public sealed class SafetensorsFormatException : Exception
{
    /// <summary>Creates the exception for <paramref name="path"/> (and <paramref name="tensorName"/> when one tensor is at fault).</summary>
    public SafetensorsFormatException(string path, string? tensorName, string problem, Exception? inner = null)
        : base(tensorName is null ? $"{path}: {problem}" : $"{path}: tensor '{tensorName}': {problem}", inner)
    {
        FilePath = path;
        TensorName = tensorName;
    }

    /// <summary>The malformed file.</summary>
    public string FilePath { get; }

    /// <summary>The tensor whose entry is malformed, or null when the problem is file-wide.</summary>
    public string? TensorName { get; }
}
