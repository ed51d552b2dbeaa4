namespace Diffusion.Imaging;

/// <summary>Turns unfiltered scanlines of any PNG bit depth and color type into 8-bit interleaved
/// pixels: sub-byte gray is scaled to 0..255 (the bit replication of libpng's
/// png_set_expand_gray_1_2_4_to_8), 16-bit samples keep their high byte (libpng png_set_strip_16,
/// and what PIL does for 16-bit RGB/RGBA), palette indices are looked up.</summary>
internal sealed class ScanlineUnpacker
{
    private readonly PngHeader _header;
    private readonly byte[]? _palette; // 256 entries of OutputChannels bytes
    private readonly int _paletteEntries;

    public ScanlineUnpacker(PngHeader header, byte[]? palette, int paletteEntries, int outputChannels)
    {
        _header = header;
        _palette = palette;
        _paletteEntries = paletteEntries;
        OutputChannels = outputChannels;
    }

    public int OutputChannels { get; }

    /// <summary>Writes <paramref name="count"/> pixels of <paramref name="row"/> to
    /// <paramref name="destination"/> (count x OutputChannels bytes).</summary>
    public void Unpack(ReadOnlySpan<byte> row, int count, Span<byte> destination)
    {
        int depth = _header.BitDepth;
        if (_header.ColorType == PngColorType.Palette)
        {
            UnpackPalette(row, count, depth, destination);
            return;
        }
        int samples = count * _header.SamplesPerPixel;
        switch (depth)
        {
            case 8:
                row[..samples].CopyTo(destination);
                break;
            case 16:
                for (int i = 0; i < samples; i++)
                    destination[i] = row[2 * i];
                break;
            default:
                // Gray at 1, 2 or 4 bits: 255 / (2^depth - 1) = 255, 85 or 17 maps the range exactly.
                int mask = (1 << depth) - 1, scale = 255 / mask;
                for (int i = 0; i < samples; i++)
                    destination[i] = (byte)(SubByteSample(row, i, depth, mask) * scale);
                break;
        }
    }

    private void UnpackPalette(ReadOnlySpan<byte> row, int count, int depth, Span<byte> destination)
    {
        var palette = _palette!;
        int ch = OutputChannels, mask = (1 << depth) - 1;
        for (int i = 0; i < count; i++)
        {
            int index = depth == 8 ? row[i] : SubByteSample(row, i, depth, mask);
            if (index >= _paletteEntries)
                throw new ImageFormatException($"PNG is corrupt: palette index {index} is out of range (PLTE has {_paletteEntries} entries)");
            palette.AsSpan(index * ch, ch).CopyTo(destination.Slice(i * ch, ch));
        }
    }

    /// <summary>Samples below 8 bits are packed most significant bits first (PNG spec 7.2).</summary>
    private static int SubByteSample(ReadOnlySpan<byte> row, int index, int depth, int mask)
    {
        int bit = index * depth;
        return (row[bit >> 3] >> (8 - depth - (bit & 7))) & mask;
    }
}
