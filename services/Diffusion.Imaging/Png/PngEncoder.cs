using System.Buffers.Binary;
using System.IO.Compression;

namespace Diffusion.Imaging;

/// <summary>Encodes 8-bit images as non-interlaced PNG: gray (color type 0), gray+alpha (4),
/// RGB (2) or RGBA (6) at bit depth 8, chosen from the channel count.</summary>
public static class PngEncoder
{
    /// <summary>Encodes <paramref name="image"/>.</summary>
    /// <returns>The complete PNG file.</returns>
    public static byte[] Encode(Image image, PngEncodeOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(image);
        return Encode(image.Pixels, image.Width, image.Height, image.Channels, options);
    }

    /// <summary>Encodes raw pixels.</summary>
    /// <param name="pixels">height x width x channels bytes, row-major, interleaved (borrowed, not kept).</param>
    /// <param name="width">Pixels per row, at least 1.</param>
    /// <param name="height">Rows, at least 1.</param>
    /// <param name="channels">1 (L), 2 (LA), 3 (RGB) or 4 (RGBA).</param>
    /// <param name="options">Compression, filtering, text chunks; <see cref="PngEncodeOptions.Default"/> when null.</param>
    /// <returns>The complete PNG file.</returns>
    /// <exception cref="ArgumentException">Sizes do not match or options are invalid.</exception>
    public static byte[] Encode(ReadOnlySpan<byte> pixels, int width, int height, int channels, PngEncodeOptions? options = null)
    {
        options ??= PngEncodeOptions.Default;
        options.Validate();
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 1);
        if (channels is < 1 or > 4)
            throw new ArgumentOutOfRangeException(nameof(channels), channels, "channels must be 1 (L), 2 (LA), 3 (RGB) or 4 (RGBA)");
        long stride = (long)width * channels;
        if (stride * height != pixels.Length)
            throw new ArgumentException($"pixel buffer holds {pixels.Length} bytes but {width}x{height}x{channels} needs {stride * height}", nameof(pixels));
        if (stride + 1 > Array.MaxLength)
            throw new ArgumentOutOfRangeException(nameof(width), width, "row too long");

        var text = options.Text.Select(PngTextCodec.Encode).ToList(); // validate before any work
        var compressed = Compress(pixels, (int)stride, height, channels, options);

        using var output = new MemoryStream(compressed.Length + 256);
        output.Write(PngChunkReader.Signature);
        Span<byte> ihdr = stackalloc byte[13];
        BinaryPrimitives.WriteUInt32BigEndian(ihdr, (uint)width);
        BinaryPrimitives.WriteUInt32BigEndian(ihdr[4..], (uint)height);
        ihdr[8] = 8; // bit depth
        ihdr[9] = (byte)ColorTypeOf(channels);
        ihdr[10] = 0; // compression: deflate
        ihdr[11] = 0; // filter method: adaptive (five types)
        ihdr[12] = 0; // no interlace
        PngChunkWriter.Write(output, PngChunkTypes.IHDR, ihdr);
        foreach (var (type, data) in text)
            PngChunkWriter.Write(output, type, data);
        var rest = compressed.AsSpan();
        do
        {
            int n = Math.Min(rest.Length, options.MaxIdatChunkBytes);
            PngChunkWriter.Write(output, PngChunkTypes.IDAT, rest[..n]);
            rest = rest[n..];
        } while (!rest.IsEmpty);
        PngChunkWriter.Write(output, PngChunkTypes.IEND, []);
        return output.ToArray();
    }

    private static PngColorType ColorTypeOf(int channels) => channels switch
    {
        1 => PngColorType.Gray,
        2 => PngColorType.GrayAlpha,
        3 => PngColorType.Rgb,
        _ => PngColorType.Rgba,
    };

    /// <summary>Filters each row (filter byte + row) and deflates the lot as one zlib stream.</summary>
    private static byte[] Compress(ReadOnlySpan<byte> pixels, int stride, int height, int bpp, PngEncodeOptions options)
    {
        using var sink = new MemoryStream();
        using (var zlib = new ZLibStream(sink, new ZLibCompressionOptions { CompressionLevel = options.CompressionLevel }, leaveOpen: true))
        {
            var zeros = new byte[stride];
            // line[0] is the filter byte; candidates are reused across rows.
            var best = new byte[stride + 1];
            var trial = options.Filter == PngFilterMode.Adaptive ? new byte[stride + 1] : null;
            for (int y = 0; y < height; y++)
            {
                var row = pixels.Slice(y * stride, stride);
                ReadOnlySpan<byte> prior = y == 0 ? zeros : pixels.Slice((y - 1) * stride, stride);
                if (trial is null)
                {
                    int type = (int)options.Filter;
                    best[0] = (byte)type;
                    ScanlineFilters.Apply(type, row, prior, bpp, best.AsSpan(1));
                }
                else
                {
                    ChooseFilter(row, prior, bpp, ref best, ref trial);
                }
                zlib.Write(best);
            }
        }
        return sink.ToArray();
    }

    /// <summary>libpng png_write_find_filter: try all five, keep the smallest cost (ties keep the
    /// lower type number).</summary>
    private static void ChooseFilter(ReadOnlySpan<byte> row, ReadOnlySpan<byte> prior, int bpp, ref byte[] best, ref byte[] trial)
    {
        long bestCost = long.MaxValue;
        for (int type = ScanlineFilters.None; type <= ScanlineFilters.Paeth; type++)
        {
            long cost = ScanlineFilters.Apply(type, row, prior, bpp, trial.AsSpan(1));
            if (cost < bestCost)
            {
                bestCost = cost;
                trial[0] = (byte)type;
                (best, trial) = (trial, best);
            }
        }
    }
}
