namespace Diffusion.Imaging;

/// <summary>What <see cref="PngDecoder"/> accepts before allocating anything. Decoding needs at most
/// about <c>MaxPixels x 8</c> bytes (16-bit RGBA scanlines) plus the 8-bit result.</summary>
/// <param name="MaxWidth">Largest accepted width in pixels.</param>
/// <param name="MaxHeight">Largest accepted height in pixels.</param>
/// <param name="MaxPixels">Largest accepted width x height.</param>
/// <param name="MaxTextBytes">Budget of text bytes (after decompression of zTXt / compressed iTXt)
/// that <see cref="PngDecoder.ReadText"/> collects over all text chunks; the first text that does
/// not fit and every later one are skipped, so text costs at most about twice this much work.</param>
public sealed record PngDecodeLimits(int MaxWidth = 4096, int MaxHeight = 4096, long MaxPixels = 4096L * 4096, int MaxTextBytes = 1 << 20)
{
    /// <summary>4096 x 4096 pixels at most, 1 MiB of text.</summary>
    public static PngDecodeLimits Default { get; } = new();

    internal void Validate()
    {
        if (MaxWidth < 1 || MaxHeight < 1 || MaxPixels < 1 || MaxTextBytes < 0)
            throw new ArgumentOutOfRangeException(nameof(PngDecodeLimits), this, "limits must be positive");
    }
}
