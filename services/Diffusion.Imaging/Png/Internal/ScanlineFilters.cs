namespace Diffusion.Imaging;

/// <summary>The five PNG filter types (PNG spec 9.2) and libpng's heuristic for choosing one.</summary>
internal static class ScanlineFilters
{
    public const int None = 0, Sub = 1, Up = 2, Average = 3, Paeth = 4;

    /// <summary>Reverses the filters of <paramref name="rowCount"/> consecutive scanlines in place.
    /// Each scanline is a filter-type byte followed by <paramref name="rowBytes"/> bytes; the first
    /// scanline's prior row is all zeros (spec 9.2). A bad filter byte is a format error.</summary>
    public static void UnfilterAll(Span<byte> data, int rowBytes, int rowCount, int bpp, int firstRowIndexForErrors = 0)
    {
        int stride = rowBytes + 1;
        Span<byte> zeros = rowBytes <= 4096 ? stackalloc byte[rowBytes] : new byte[rowBytes];
        zeros.Clear();
        ReadOnlySpan<byte> prior = zeros;
        for (int r = 0; r < rowCount; r++)
        {
            var line = data.Slice(r * stride, stride);
            byte type = line[0];
            var row = line[1..];
            switch (type)
            {
                case None: break;
                case Sub: UndoSub(row, bpp); break;
                case Up: UndoUp(row, prior); break;
                case Average: UndoAverage(row, prior, bpp); break;
                case Paeth: UndoPaeth(row, prior, bpp); break;
                default:
                    throw new ImageFormatException($"PNG is corrupt: scanline {firstRowIndexForErrors + r} has filter type {type} (valid: 0-4)");
            }
            prior = row;
        }
    }

    private static void UndoSub(Span<byte> row, int bpp)
    {
        for (int i = bpp; i < row.Length; i++)
            row[i] += row[i - bpp];
    }

    private static void UndoUp(Span<byte> row, ReadOnlySpan<byte> prior)
    {
        for (int i = 0; i < row.Length; i++)
            row[i] += prior[i];
    }

    private static void UndoAverage(Span<byte> row, ReadOnlySpan<byte> prior, int bpp)
    {
        int i = 0;
        for (; i < bpp && i < row.Length; i++)
            row[i] += (byte)(prior[i] >> 1);
        for (; i < row.Length; i++)
            row[i] += (byte)((row[i - bpp] + prior[i]) >> 1);
    }

    private static void UndoPaeth(Span<byte> row, ReadOnlySpan<byte> prior, int bpp)
    {
        int i = 0;
        // With a = c = 0 the predictor reduces to b (the byte above).
        for (; i < bpp && i < row.Length; i++)
            row[i] += prior[i];
        for (; i < row.Length; i++)
            row[i] += PaethPredictor(row[i - bpp], prior[i], prior[i - bpp]);
    }

    /// <summary>PNG spec 9.4: the neighbour (left a, above b, upper-left c) closest to a + b - c,
    /// ties broken in the order a, b, c.</summary>
    public static byte PaethPredictor(byte a, byte b, byte c)
    {
        int pa = Math.Abs(b - c);
        int pb = Math.Abs(a - c);
        int pc = Math.Abs(a + b - 2 * c);
        if (pa <= pb && pa <= pc) return a;
        return pb <= pc ? b : c;
    }

    /// <summary>Writes <paramref name="row"/> filtered with <paramref name="type"/> to
    /// <paramref name="destination"/> (same length) and returns libpng's cost of the result: the sum
    /// of the bytes read as signed values' magnitudes (libpng png_write_find_filter, the
    /// "minimum sum of absolute differences" heuristic of PNG spec 12.8).</summary>
    public static long Apply(int type, ReadOnlySpan<byte> row, ReadOnlySpan<byte> prior, int bpp, Span<byte> destination)
    {
        int n = row.Length, head = Math.Min(bpp, n);
        prior = prior[..n];
        destination = destination[..n];
        // The first bpp bytes have no left neighbour (a = c = 0).
        switch (type)
        {
            case None:
                row.CopyTo(destination);
                break;
            case Sub:
                row[..head].CopyTo(destination);
                for (int i = head; i < n; i++) destination[i] = (byte)(row[i] - row[i - bpp]);
                break;
            case Up:
                for (int i = 0; i < n; i++) destination[i] = (byte)(row[i] - prior[i]);
                break;
            case Average:
                for (int i = 0; i < head; i++) destination[i] = (byte)(row[i] - (prior[i] >> 1));
                for (int i = head; i < n; i++) destination[i] = (byte)(row[i] - ((row[i - bpp] + prior[i]) >> 1));
                break;
            default:
                for (int i = 0; i < head; i++) destination[i] = (byte)(row[i] - prior[i]);
                for (int i = head; i < n; i++) destination[i] = (byte)(row[i] - PaethPredictor(row[i - bpp], prior[i], prior[i - bpp]));
                break;
        }
        long cost = 0;
        foreach (byte v in destination)
            cost += v < 128 ? v : 256 - v;
        return cost;
    }
}
