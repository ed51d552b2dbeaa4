namespace Diffusion.Imaging;

/// <summary>The chunks of a PNG file that matter for decoding, checked for the ordering rules of
/// PNG spec 5.6: IHDR first, at most one PLTE before the first IDAT, IDATs consecutive, IEND last.</summary>
internal sealed class PngStructure
{
    private PngStructure(PngHeader header) => Header = header;

    public PngHeader Header { get; }

    /// <summary>PLTE entries expanded to OutputChannels bytes each (256 slots); null if none.</summary>
    public byte[]? Palette { get; private set; }

    public int PaletteEntries { get; private set; }

    /// <summary>1 (L), 2 (LA), 3 (RGB) or 4 (RGBA; palette with tRNS) channels of the decoded image.</summary>
    public int OutputChannels { get; private set; }

    /// <summary>The concatenated IDAT data (empty when not collected).</summary>
    public ArraySegment<byte> CompressedData { get; private set; }

    public List<PngTextChunk> Text { get; } = [];

    /// <summary>Walks every chunk (CRC-checked) and validates the structure.
    /// <paramref name="collectImageData"/>: concatenate the IDAT data (decoding) or only check it
    /// exists; <paramref name="collectText"/>: parse tEXt/zTXt/iTXt into <see cref="Text"/>.</summary>
    public static PngStructure Read(ReadOnlySpan<byte> png, PngDecodeLimits limits, bool collectImageData, bool collectText)
    {
        var reader = new PngChunkReader(png);
        if (!reader.TryRead(out var first))
            throw new ImageFormatException("PNG is truncated: the file ends right after the signature (no IHDR)");
        if (first.Type != PngChunkTypes.IHDR)
            throw new ImageFormatException($"PNG is corrupt: the first chunk is '{first.Name}' but must be IHDR");
        var header = PngHeader.Parse(first.Data);
        header.CheckLimits(limits);
        var result = new PngStructure(header);

        ReadOnlySpan<byte> plte = default, trns = default;
        bool sawPlte = false, sawIend = false;
        int idatState = 0; // 0 none yet, 1 inside the IDAT run, 2 after it
        long idatBytes = 0;
        int textBudget = limits.MaxTextBytes;
        bool textExhausted = false;
        var idatSegments = new List<(int Start, int Length)>();
        while (reader.TryRead(out var chunk))
        {
            switch (chunk.Type)
            {
                case PngChunkTypes.IHDR:
                    throw new ImageFormatException($"PNG is corrupt: a second IHDR at offset {chunk.Offset}");
                case PngChunkTypes.PLTE:
                    if (sawPlte)
                        throw new ImageFormatException($"PNG is corrupt: a second PLTE at offset {chunk.Offset}");
                    if (idatState != 0)
                        throw new ImageFormatException($"PNG is corrupt: PLTE at offset {chunk.Offset} comes after the image data");
                    sawPlte = true;
                    plte = chunk.Data;
                    break;
                case PngChunkTypes.tRNS:
                    if (idatState == 0)
                        trns = chunk.Data;
                    break;
                case PngChunkTypes.IDAT:
                    if (idatState == 2)
                        throw new ImageFormatException($"PNG is corrupt: IDAT at offset {chunk.Offset} is separated from the earlier IDAT chunks (they must be consecutive)");
                    idatState = 1;
                    idatBytes += chunk.Data.Length;
                    idatSegments.Add((chunk.Offset + 8, chunk.Data.Length));
                    break;
                case PngChunkTypes.IEND:
                    sawIend = true;
                    break;
                default:
                    if (chunk.IsCritical)
                        throw new ImageFormatException($"PNG uses the critical chunk '{chunk.Name}' (offset {chunk.Offset}), which this decoder does not know; re-save it as a plain PNG");
                    if (collectText && !textExhausted && chunk.Type is PngChunkTypes.tEXt or PngChunkTypes.zTXt or PngChunkTypes.iTXt)
                    {
                        // One budget for all text chunks: many small zTXt bombs cannot add up, and
                        // after the first text that does not fit, later ones are not inflated.
                        if (PngTextCodec.TryParse(chunk.Type, chunk.Data, textBudget, out int used, out bool tooLarge) is { } text)
                        {
                            result.Text.Add(text);
                            textBudget -= used;
                        }
                        textExhausted = tooLarge;
                    }
                    break;
            }
            if (chunk.Type != PngChunkTypes.IDAT && idatState == 1)
                idatState = 2;
            if (sawIend)
                break; // PNG spec 5.6: IEND ends the datastream; trailing bytes are ignored.
        }
        if (idatState == 0)
            throw new ImageFormatException(sawIend
                ? "PNG is corrupt: it has no IDAT chunk (no image data)"
                : "PNG is truncated: the file ends before any image data (IDAT)");
        if (!sawIend)
            throw new ImageFormatException("PNG is truncated: the IEND chunk is missing (the file was cut short)");

        result.SetColorTables(plte, sawPlte, trns);
        if (collectImageData)
            result.CompressedData = ConcatenateIdat(png, idatSegments, idatBytes);
        return result;
    }

    private void SetColorTables(ReadOnlySpan<byte> plte, bool sawPlte, ReadOnlySpan<byte> trns)
    {
        switch (Header.ColorType)
        {
            case PngColorType.Gray: OutputChannels = 1; break;
            case PngColorType.GrayAlpha: OutputChannels = 2; break;
            case PngColorType.Rgb: OutputChannels = 3; break; // a PLTE here is only a suggestion: ignored
            case PngColorType.Rgba: OutputChannels = 4; break;
            default:
                if (!sawPlte)
                    throw new ImageFormatException("PNG is corrupt: a palette image (color type 3) without a PLTE chunk");
                if (plte.Length == 0 || plte.Length % 3 != 0 || plte.Length > 3 * 256)
                    throw new ImageFormatException($"PNG is corrupt: PLTE has {plte.Length} bytes (must be 3 x 1..256)");
                int entries = plte.Length / 3;
                if (entries > 1 << Header.BitDepth)
                    throw new ImageFormatException($"PNG is corrupt: PLTE has {entries} entries, more than bit depth {Header.BitDepth} can index");
                // tRNS for a palette image: one alpha per entry, missing ones opaque (spec 11.3.2.1).
                // Like PIL's convert("RGBA") the image gets an alpha channel whenever tRNS is present;
                // entries beyond the palette are ignored as libpng does.
                bool alpha = !trns.IsEmpty;
                int ch = alpha ? 4 : 3;
                var table = new byte[256 * ch];
                for (int i = 0; i < entries; i++)
                {
                    table[i * ch] = plte[3 * i];
                    table[i * ch + 1] = plte[3 * i + 1];
                    table[i * ch + 2] = plte[3 * i + 2];
                    if (alpha)
                        table[i * ch + 3] = i < trns.Length ? trns[i] : (byte)255;
                }
                Palette = table;
                PaletteEntries = entries;
                OutputChannels = ch;
                break;
        }
        // tRNS for gray/RGB (a single transparent color key) is ignored: the image keeps its
        // channels, as with PIL's tobytes() for L/RGB images.
    }

    /// <summary>Copies the IDAT chunks' data into one buffer (at most the file's size).</summary>
    private static ArraySegment<byte> ConcatenateIdat(ReadOnlySpan<byte> png, List<(int Start, int Length)> segments, long total)
    {
        var buffer = new byte[total];
        int written = 0;
        foreach (var (start, length) in segments)
        {
            png.Slice(start, length).CopyTo(buffer.AsSpan(written));
            written += length;
        }
        return new ArraySegment<byte>(buffer);
    }
}
