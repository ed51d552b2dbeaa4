using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;

namespace Diffusion.Imaging.Tests;

/// <summary>A test-side PNG writer independent of PngEncoder: any color type and bit depth,
/// Adam7 interlacing, a chosen filter per row, hand-made chunks. Used to produce inputs that
/// PIL cannot write (interlaced, 16-bit color, sub-byte gray) and malformed files.</summary>
internal static class RawPng
{
    public static readonly byte[] Signature = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];

    private static readonly (int X0, int Y0, int Dx, int Dy)[] s_adam7 =
        [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2)];

    public static byte[] Chunk(string type, ReadOnlySpan<byte> data)
    {
        var chunk = new byte[12 + data.Length];
        BinaryPrimitives.WriteUInt32BigEndian(chunk, (uint)data.Length);
        Encoding.ASCII.GetBytes(type, chunk.AsSpan(4, 4));
        data.CopyTo(chunk.AsSpan(8));
        BinaryPrimitives.WriteUInt32BigEndian(chunk.AsSpan(8 + data.Length), Crc32.Compute(chunk.AsSpan(4, 4 + data.Length)));
        return chunk;
    }

    public static byte[] Ihdr(uint width, uint height, int depth, int colorType, int interlace = 0)
    {
        var d = new byte[13];
        BinaryPrimitives.WriteUInt32BigEndian(d, width);
        BinaryPrimitives.WriteUInt32BigEndian(d.AsSpan(4), height);
        d[8] = (byte)depth; d[9] = (byte)colorType; d[12] = (byte)interlace;
        return Chunk("IHDR", d);
    }

    public static byte[] File(params byte[][] chunks) => [.. Signature, .. chunks.SelectMany(c => c)];

    public static byte[] Zlib(ReadOnlySpan<byte> data, CompressionLevel level = CompressionLevel.Optimal)
    {
        using var ms = new MemoryStream();
        using (var z = new ZLibStream(ms, level, leaveOpen: true))
            z.Write(data);
        return ms.ToArray();
    }

    public static int SamplesPerPixel(int colorType) => colorType switch { 0 or 3 => 1, 4 => 2, 2 => 3, _ => 4 };

    /// <summary>The filtered scanline stream for <paramref name="samples"/> (row-major, one int per
    /// sample at <paramref name="depth"/> bits): packed MSB first, one filter byte per row
    /// (<paramref name="filterForRow"/> of the running row number), Adam7 passes when interlaced.</summary>
    public static byte[] Scanlines(int[] samples, int width, int height, int depth, int spp, bool interlaced, Func<int, int> filterForRow)
    {
        var passes = interlaced ? s_adam7 : [(0, 0, 1, 1)];
        var output = new List<byte>();
        int rowNumber = 0;
        foreach (var (x0, y0, dx, dy) in passes)
        {
            int pw = width > x0 ? (width - x0 + dx - 1) / dx : 0;
            int ph = height > y0 ? (height - y0 + dy - 1) / dy : 0;
            if (pw == 0 || ph == 0) continue;
            int rowBytes = (pw * spp * depth + 7) / 8;
            int bpp = Math.Max(1, spp * depth / 8);
            var prior = new byte[rowBytes];
            for (int py = 0; py < ph; py++)
            {
                var row = new byte[rowBytes];
                int bit = 0;
                for (int px = 0; px < pw; px++)
                {
                    int pixel = (y0 + py * dy) * width + x0 + px * dx;
                    for (int s = 0; s < spp; s++)
                    {
                        int v = samples[pixel * spp + s];
                        if (depth == 16) { row[bit / 8] = (byte)(v >> 8); row[bit / 8 + 1] = (byte)v; }
                        else if (depth == 8) row[bit / 8] = (byte)v;
                        else row[bit / 8] |= (byte)(v << (8 - depth - bit % 8));
                        bit += depth;
                    }
                }
                int filter = filterForRow(rowNumber++);
                output.Add((byte)filter);
                output.AddRange(Filter(filter, row, prior, bpp));
                prior = row;
            }
        }
        return [.. output];
    }

    /// <summary>PNG spec 9.2 filters, written out independently of ScanlineFilters.</summary>
    public static byte[] Filter(int type, byte[] row, byte[] prior, int bpp)
    {
        var o = new byte[row.Length];
        for (int i = 0; i < row.Length; i++)
        {
            int a = i >= bpp ? row[i - bpp] : 0, b = prior[i], c = i >= bpp ? prior[i - bpp] : 0;
            int pred = type switch
            {
                0 => 0,
                1 => a,
                2 => b,
                3 => (a + b) / 2,
                4 => Paeth(a, b, c),
                _ => throw new ArgumentOutOfRangeException(nameof(type)),
            };
            o[i] = (byte)(row[i] - pred);
        }
        return o;
    }

    private static int Paeth(int a, int b, int c)
    {
        int p = a + b - c, pa = Math.Abs(p - a), pb = Math.Abs(p - b), pc = Math.Abs(p - c);
        return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
    }

    /// <summary>A complete file: IHDR, optional PLTE/tRNS, the image data split into IDAT chunks of
    /// <paramref name="idatSize"/> bytes, IEND.</summary>
    public static byte[] Build(int width, int height, int depth, int colorType, int[] samples, bool interlaced,
        Func<int, int> filterForRow, byte[]? plte = null, byte[]? trns = null, int idatSize = 1 << 20)
    {
        var stream = Zlib(Scanlines(samples, width, height, depth, SamplesPerPixel(colorType), interlaced, filterForRow));
        var chunks = new List<byte[]> { Ihdr((uint)width, (uint)height, depth, colorType, interlaced ? 1 : 0) };
        if (plte is not null) chunks.Add(Chunk("PLTE", plte));
        if (trns is not null) chunks.Add(Chunk("tRNS", trns));
        for (int i = 0; i < stream.Length; i += idatSize)
            chunks.Add(Chunk("IDAT", stream.AsSpan(i, Math.Min(idatSize, stream.Length - i))));
        chunks.Add(Chunk("IEND", []));
        return File([.. chunks]);
    }

    /// <summary>Offsets at which chunks start (8 = after the signature) plus the file length.</summary>
    public static List<int> ChunkBoundaries(byte[] png)
    {
        var list = new List<int>();
        int pos = 8;
        while (pos + 8 <= png.Length)
        {
            list.Add(pos);
            pos += 12 + (int)BinaryPrimitives.ReadUInt32BigEndian(png.AsSpan(pos));
        }
        list.Add(png.Length);
        return list;
    }

    /// <summary>Chunk types in file order.</summary>
    public static List<string> ChunkTypes(byte[] png) =>
        ChunkBoundaries(png).SkipLast(1).Select(o => Encoding.ASCII.GetString(png, o + 4, 4)).ToList();

    /// <summary>Recomputes every chunk's CRC in place (so a mutation reaches the parsers behind it).</summary>
    public static void FixCrcs(byte[] png)
    {
        int pos = 8;
        while (pos + 12 <= png.Length)
        {
            long len = BinaryPrimitives.ReadUInt32BigEndian(png.AsSpan(pos));
            if (pos + 12 + len > png.Length) return;
            BinaryPrimitives.WriteUInt32BigEndian(png.AsSpan(pos + 8 + (int)len), Crc32.Compute(png.AsSpan(pos + 4, 4 + (int)len)));
            pos += 12 + (int)len;
        }
    }

    /// <summary>The decompressed IDAT stream of <paramref name="png"/> (for filter statistics).</summary>
    public static byte[] InflateIdat(byte[] png)
    {
        var idat = new List<byte>();
        foreach (var start in ChunkBoundaries(png).SkipLast(1))
        {
            if (Encoding.ASCII.GetString(png, start + 4, 4) == "IDAT")
                idat.AddRange(png.AsSpan(start + 8, (int)BinaryPrimitives.ReadUInt32BigEndian(png.AsSpan(start))).ToArray());
        }
        using var z = new ZLibStream(new MemoryStream([.. idat]), CompressionMode.Decompress);
        using var ms = new MemoryStream();
        z.CopyTo(ms);
        return ms.ToArray();
    }

    /// <summary>Seeded random pixels.</summary>
    public static byte[] RandomBytes(int count, int seed)
    {
        var b = new byte[count];
        new Random(seed).NextBytes(b);
        return b;
    }
}
