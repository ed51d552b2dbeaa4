using System.Buffers.Binary;

namespace Diffusion.Imaging;

/// <summary>PNG color types (PNG spec 11.2.2, IHDR).</summary>
internal enum PngColorType : byte
{
    Gray = 0,
    Rgb = 2,
    Palette = 3,
    GrayAlpha = 4,
    Rgba = 6,
}

/// <summary>The validated contents of IHDR (PNG spec 11.2.2) and the sizes derived from it.</summary>
internal sealed class PngHeader
{
    private PngHeader(int width, int height, int bitDepth, PngColorType colorType, bool interlaced)
    {
        Width = width;
        Height = height;
        BitDepth = bitDepth;
        ColorType = colorType;
        Interlaced = interlaced;
    }

    public int Width { get; }
    public int Height { get; }
    public int BitDepth { get; }
    public PngColorType ColorType { get; }
    public bool Interlaced { get; }

    /// <summary>Samples stored per pixel: a palette index counts as one sample.</summary>
    public int SamplesPerPixel => ColorType switch
    {
        PngColorType.Gray or PngColorType.Palette => 1,
        PngColorType.GrayAlpha => 2,
        PngColorType.Rgb => 3,
        _ => 4,
    };

    public int BitsPerPixel => SamplesPerPixel * BitDepth;

    /// <summary>PNG spec 9.2: the filters' "bpp", the byte distance to the corresponding byte of the
    /// pixel to the left, rounded up to 1 for depths below 8.</summary>
    public int FilterStride => Math.Max(1, BitsPerPixel / 8);

    /// <summary>Bytes of one unfiltered scanline of <paramref name="pixels"/> pixels (no filter byte).</summary>
    public long RowBytes(int pixels) => ((long)pixels * BitsPerPixel + 7) / 8;

    /// <summary>Exact size of the decompressed IDAT stream: every (sub-)image's rows, each with its
    /// filter-type byte (PNG spec 7.2); Adam7 passes that are empty contribute nothing (spec 8.2).</summary>
    public long FilteredDataSize()
    {
        if (!Interlaced)
            return (long)Height * (1 + RowBytes(Width));
        long total = 0;
        for (int pass = 0; pass < Adam7.PassCount; pass++)
        {
            var (w, h) = Adam7.PassSize(pass, Width, Height);
            if (w > 0 && h > 0)
                total += h * (1 + RowBytes(w));
        }
        return total;
    }

    /// <summary>Parses and validates IHDR's 13 bytes.</summary>
    public static PngHeader Parse(ReadOnlySpan<byte> data)
    {
        if (data.Length != 13)
            throw new ImageFormatException($"PNG is corrupt: IHDR has {data.Length} data bytes instead of 13");
        uint width = BinaryPrimitives.ReadUInt32BigEndian(data);
        uint height = BinaryPrimitives.ReadUInt32BigEndian(data[4..]);
        byte depth = data[8], color = data[9], compression = data[10], filter = data[11], interlace = data[12];
        if (width == 0 || height == 0)
            throw new ImageFormatException($"PNG declares an empty image ({width}x{height}); width and height must be at least 1");
        if (width > int.MaxValue || height > int.MaxValue)
            throw new ImageFormatException($"PNG declares {width}x{height} pixels, beyond the 2^31-1 maximum of the format");
        if (color is not (0 or 2 or 3 or 4 or 6))
            throw new ImageFormatException($"PNG color type {color} does not exist (valid: 0 gray, 2 RGB, 3 palette, 4 gray+alpha, 6 RGBA)");
        var colorType = (PngColorType)color;
        bool depthOk = colorType switch
        {
            PngColorType.Gray => depth is 1 or 2 or 4 or 8 or 16,
            PngColorType.Palette => depth is 1 or 2 or 4 or 8,
            _ => depth is 8 or 16,
        };
        if (!depthOk)
            throw new ImageFormatException($"PNG bit depth {depth} is not valid for color type {color} ({colorType}); save the image as 8-bit RGB");
        if (compression != 0)
            throw new ImageFormatException($"PNG compression method {compression} is not supported (only 0, zlib deflate, is defined)");
        if (filter != 0)
            throw new ImageFormatException($"PNG filter method {filter} is not supported (only 0, adaptive filtering, is defined; 64 is the MNG variant)");
        if (interlace > 1)
            throw new ImageFormatException($"PNG interlace method {interlace} is not supported (0 none, 1 Adam7)");
        return new PngHeader((int)width, (int)height, depth, colorType, interlace == 1);
    }

    /// <summary>Applies the caller's size limits before anything is allocated.</summary>
    public void CheckLimits(PngDecodeLimits limits)
    {
        if (Width > limits.MaxWidth || Height > limits.MaxHeight)
            throw new ImageFormatException(
                $"PNG is {Width}x{Height} pixels, above the limit of {limits.MaxWidth}x{limits.MaxHeight}: resize the image before sending it");
        long pixels = (long)Width * Height;
        if (pixels > limits.MaxPixels)
            throw new ImageFormatException(
                $"PNG is {Width}x{Height} = {pixels} pixels, above the limit of {limits.MaxPixels} pixels: resize the image before sending it");
        if (FilteredDataSize() >= Array.MaxLength || pixels * 4 > Array.MaxLength)
            throw new ImageFormatException($"PNG is {Width}x{Height} pixels, too large to decode in one buffer");
    }
}
