namespace Diffusion.Imaging;

/// <summary>An 8-bit image held in memory: <see cref="Height"/> rows of <see cref="Width"/> pixels,
/// row-major, channels interleaved (no padding between rows).</summary>
/// <remarks>
/// Channel layouts follow PIL's mode names: 1 = <c>L</c> (gray), 2 = <c>LA</c> (gray + alpha),
/// 3 = <c>RGB</c>, 4 = <c>RGBA</c>. Alpha is straight (not premultiplied).
/// The image owns <see cref="Pixels"/>; the constructor takes the array without copying it.
/// </remarks>
public sealed class Image
{
    /// <summary>Wraps <paramref name="pixels"/> (taken over, not copied).</summary>
    /// <param name="width">Pixels per row, at least 1.</param>
    /// <param name="height">Rows, at least 1.</param>
    /// <param name="channels">1 (L), 2 (LA), 3 (RGB) or 4 (RGBA).</param>
    /// <param name="pixels">Exactly width x height x channels bytes, row-major, interleaved.</param>
    public Image(int width, int height, int channels, byte[] pixels)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 1);
        if (channels is < 1 or > 4)
            throw new ArgumentOutOfRangeException(nameof(channels), channels, "channels must be 1 (L), 2 (LA), 3 (RGB) or 4 (RGBA)");
        ArgumentNullException.ThrowIfNull(pixels);
        long expected = (long)width * height * channels;
        if (pixels.LongLength != expected)
            throw new ArgumentException($"pixel buffer holds {pixels.LongLength} bytes but {width}x{height}x{channels} needs {expected}", nameof(pixels));
        Width = width;
        Height = height;
        Channels = channels;
        Pixels = pixels;
    }

    /// <summary>A black (and, with alpha, fully transparent) image of the given size.</summary>
    public static Image Create(int width, int height, int channels)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 1);
        long size = (long)width * height * channels;
        if (size > Array.MaxLength)
            throw new ArgumentOutOfRangeException(nameof(width), $"{width}x{height}x{channels} bytes do not fit in one array");
        return new Image(width, height, channels, new byte[size]);
    }

    /// <summary>Pixels per row.</summary>
    public int Width { get; }

    /// <summary>Number of rows.</summary>
    public int Height { get; }

    /// <summary>Interleaved 8-bit samples per pixel: 1 (L), 2 (LA), 3 (RGB) or 4 (RGBA).</summary>
    public int Channels { get; }

    /// <summary>Bytes per row: <c>Width * Channels</c>.</summary>
    public int Stride => Width * Channels;

    /// <summary>The samples, <c>Height * Stride</c> bytes, row-major; owned by this image.</summary>
    public byte[] Pixels { get; }

    /// <summary>The bytes of row <paramref name="y"/>.</summary>
    public Span<byte> Row(int y) => Pixels.AsSpan(y * Stride, Stride);

    /// <summary>Whether the last channel is alpha (LA or RGBA).</summary>
    public bool HasAlpha => Channels is 2 or 4;
}
