namespace Diffusion.Imaging;

/// <summary>Options of <see cref="PngEncoder"/>.</summary>
public sealed record PngEncodeOptions
{
    /// <summary>Defaults: zlib level 6, adaptive filtering, no text, 64 KiB IDAT chunks.</summary>
    public static PngEncodeOptions Default { get; } = new();

    /// <summary>zlib compression level 0 (store) .. 9 (smallest); 6 is zlib's, libpng's and PIL's
    /// default balance of size and speed.</summary>
    public int CompressionLevel { get; init; } = 6;

    /// <summary>Scanline filter choice; <see cref="PngFilterMode.Adaptive"/> by default.</summary>
    public PngFilterMode Filter { get; init; } = PngFilterMode.Adaptive;

    /// <summary>Text chunks written before the image data, e.g. the generation parameters under
    /// <see cref="PngTextChunk.ParametersKeyword"/>. Latin-1 texts become tEXt, others iTXt (UTF-8).</summary>
    public IReadOnlyList<PngTextChunk> Text { get; init; } = [];

    /// <summary>Largest IDAT chunk in bytes; the compressed stream is split across as many IDAT
    /// chunks as needed (decoders concatenate them).</summary>
    public int MaxIdatChunkBytes { get; init; } = 64 * 1024;

    internal void Validate()
    {
        if (CompressionLevel is < 0 or > 9)
            throw new ArgumentOutOfRangeException(nameof(CompressionLevel), CompressionLevel, "zlib compression level must be 0..9");
        if (Filter is < PngFilterMode.Adaptive or > PngFilterMode.Paeth)
            throw new ArgumentOutOfRangeException(nameof(Filter), Filter, "unknown filter mode");
        if (MaxIdatChunkBytes < 1)
            throw new ArgumentOutOfRangeException(nameof(MaxIdatChunkBytes), MaxIdatChunkBytes, "must be at least 1");
        ArgumentNullException.ThrowIfNull(Text);
    }
}
