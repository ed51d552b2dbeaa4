namespace Diffusion.Imaging;

/// <summary>Decodes PNG files (ISO/IEC 15948, PNG spec 2nd edition) into 8-bit <see cref="Image"/>s.</summary>
/// <remarks>
/// Every valid color type and bit depth is accepted, interlaced (Adam7) or not. The result has
/// 8 bits per sample: gray -> 1 channel (L), gray+alpha -> 2 (LA), RGB -> 3, RGBA -> 4, palette ->
/// RGB, or RGBA when a tRNS chunk is present. 16-bit samples keep their high byte (as libpng's
/// png_set_strip_16 and PIL's 16-bit RGB/RGBA loading); 1/2/4-bit gray is scaled to 0..255.
/// Ancillary chunks are skipped (text: <see cref="ReadText"/>); gamma, color profiles and the
/// tRNS color key of gray/RGB images are ignored, as PIL's <c>tobytes()</c> does.
/// Malformed or hostile input (truncation, bad CRCs, bad lengths, missing IHDR/IDAT/IEND, sizes
/// beyond <see cref="PngDecodeLimits"/>, decompression bombs, too much or too little data) raises
/// <see cref="ImageFormatException"/> and nothing else; memory stays bounded by the declared size.
/// </remarks>
public static class PngDecoder
{
    /// <summary>Decodes <paramref name="png"/>.</summary>
    /// <param name="png">The whole file.</param>
    /// <param name="limits">Size limits; <see cref="PngDecodeLimits.Default"/> when null.</param>
    /// <returns>A new image owning its pixel buffer.</returns>
    /// <exception cref="ImageFormatException">The data is not a decodable PNG within the limits.</exception>
    public static Image Decode(ReadOnlySpan<byte> png, PngDecodeLimits? limits = null)
    {
        limits ??= PngDecodeLimits.Default;
        limits.Validate();
        var structure = PngStructure.Read(png, limits, collectImageData: true, collectText: false);
        return DecodePixels(structure);
    }

    /// <summary>The text chunks (tEXt, zTXt, iTXt) of <paramref name="png"/> in file order, e.g. the
    /// generation <see cref="PngTextChunk.ParametersKeyword"/>. The file's structure and CRCs are
    /// checked; the image data is not inflated. Malformed text chunks are skipped.</summary>
    /// <exception cref="ImageFormatException">The data is not a well-formed PNG.</exception>
    public static IReadOnlyList<PngTextChunk> ReadText(ReadOnlySpan<byte> png, PngDecodeLimits? limits = null)
    {
        limits ??= PngDecodeLimits.Default;
        limits.Validate();
        return PngStructure.Read(png, limits, collectImageData: false, collectText: true).Text;
    }

    private static Image DecodePixels(PngStructure png)
    {
        var header = png.Header;
        long expected = header.FilteredDataSize();
        var data = BoundedInflater.Inflate(png.CompressedData, expected, "IDAT", out int length);
        if (length > expected)
            throw new ImageFormatException(
                $"PNG image data inflates to more than the {expected} bytes a {header.Width}x{header.Height} {header.ColorType} {header.BitDepth}-bit image needs " +
                "(corrupt file or decompression bomb)");
        if (length < expected)
            throw new ImageFormatException(
                $"PNG image data ends early: it inflates to {length} of the {expected} bytes a {header.Width}x{header.Height} image needs (truncated or corrupt file)");

        var unpacker = new ScanlineUnpacker(header, png.Palette, png.PaletteEntries, png.OutputChannels);
        var image = Image.Create(header.Width, header.Height, png.OutputChannels);
        if (header.Interlaced)
            DecodeInterlaced(header, data, unpacker, image);
        else
            DecodePass(header, data, 0, unpacker, image, (0, 0, 1, 1), header.Width, header.Height, 0);
        return image;
    }

    private static void DecodeInterlaced(PngHeader header, byte[] data, ScanlineUnpacker unpacker, Image image)
    {
        int offset = 0, rowsBefore = 0;
        for (int pass = 0; pass < Adam7.PassCount; pass++)
        {
            var (w, h) = Adam7.PassSize(pass, header.Width, header.Height);
            if (w == 0 || h == 0)
                continue; // PNG spec 8.2: an empty pass has no scanlines, not even filter bytes.
            offset = DecodePass(header, data, offset, unpacker, image, Adam7.Pass(pass), w, h, rowsBefore);
            rowsBefore += h;
        }
    }

    /// <summary>Unfilters one (sub-)image of <paramref name="width"/> x <paramref name="height"/>
    /// pixels starting at <paramref name="offset"/> and scatters it to every dx-th pixel of every
    /// dy-th row from (x0, y0). Returns the offset after its scanlines.</summary>
    private static int DecodePass(PngHeader header, byte[] data, int offset, ScanlineUnpacker unpacker, Image image,
        (int X0, int Y0, int Dx, int Dy) grid, int width, int height, int rowsBefore)
    {
        int rowBytes = (int)header.RowBytes(width);
        var region = data.AsSpan(offset, height * (rowBytes + 1));
        ScanlineFilters.UnfilterAll(region, rowBytes, height, header.FilterStride, rowsBefore);

        int ch = unpacker.OutputChannels;
        byte[]? passRow = grid.Dx == 1 ? null : new byte[width * ch];
        for (int r = 0; r < height; r++)
        {
            var scanline = region.Slice(r * (rowBytes + 1) + 1, rowBytes);
            var target = image.Row(grid.Y0 + r * grid.Dy);
            if (passRow is null)
            {
                unpacker.Unpack(scanline, width, target);
                continue;
            }
            unpacker.Unpack(scanline, width, passRow);
            for (int i = 0; i < width; i++)
                passRow.AsSpan(i * ch, ch).CopyTo(target[((grid.X0 + i * grid.Dx) * ch)..]);
        }
        return offset + region.Length;
    }
}
