namespace Diffusion.Imaging;

/// <summary>Thrown when encoded image bytes are malformed, truncated, hostile (too large, a
/// decompression bomb) or use a feature the codec does not support. The message says what was
/// found and, where it helps, what to do instead; services map it to INVALID_ARGUMENT.</summary>
public sealed class ImageFormatException : FormatException
{
    /// <summary>Creates the exception with a human-readable reason.</summary>
    public ImageFormatException(string message) : base(message) { }

    /// <summary>Creates the exception with a reason and the lower-level cause (e.g. a zlib error).</summary>
    public ImageFormatException(string message, Exception innerException) : base(message, innerException) { }
}
