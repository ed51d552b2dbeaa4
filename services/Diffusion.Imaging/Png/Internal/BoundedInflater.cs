using System.IO.Compression;

namespace Diffusion.Imaging;

/// <summary>zlib inflate (RFC 1950/1951 via <see cref="ZLibStream"/>) that never produces more than
/// a caller-given number of bytes, so a decompression bomb costs at most that much memory and
/// the time to inflate it.</summary>
internal static class BoundedInflater
{
    private const int InitialCapacity = 64 * 1024;

    /// <summary>Inflates <paramref name="compressed"/>, stopping after <paramref name="limit"/> + 1
    /// output bytes. Returns the buffer and in <paramref name="length"/> the bytes produced:
    /// <c>length == limit + 1</c> means "more than <paramref name="limit"/>" (the rest is never
    /// inflated). The buffer is grown by doubling, never beyond <c>limit + 1</c> bytes.
    /// <paramref name="what"/> names the stream in error messages, e.g. "IDAT".</summary>
    public static byte[] Inflate(ArraySegment<byte> compressed, long limit, string what, out int length)
    {
        if (limit + 1 > Array.MaxLength)
            throw new ImageFormatException($"{what}: decompressed size {limit} is too large for one buffer");
        int cap = (int)(limit + 1);
        // A start guess proportional to the input keeps small images to one allocation and makes a
        // tiny hostile input that declares a large image pay only as it really inflates.
        long guess = Math.Max(InitialCapacity, (long)compressed.Count * 4);
        var buffer = new byte[(int)Math.Min(cap, guess)];
        int total = 0;
        try
        {
            using var input = new MemoryStream(compressed.Array!, compressed.Offset, compressed.Count, writable: false);
            using var zlib = new ZLibStream(input, CompressionMode.Decompress);
            while (total < cap)
            {
                if (total == buffer.Length)
                    Array.Resize(ref buffer, (int)Math.Min(cap, (long)buffer.Length * 2));
                int n = zlib.Read(buffer, total, buffer.Length - total);
                if (n == 0)
                    break;
                total += n;
            }
        }
        catch (InvalidDataException ex)
        {
            throw new ImageFormatException($"PNG is corrupt: the {what} zlib stream cannot be inflated after {total} bytes ({ex.Message})", ex);
        }
        length = total;
        return buffer;
    }
}
