using System.Buffers.Binary;

namespace Diffusion.Imaging;

/// <summary>One chunk of a PNG datastream: its 4-letter type, its data and where it starts.</summary>
internal readonly ref struct PngChunk(uint type, ReadOnlySpan<byte> data, int offset)
{
    /// <summary>The type's 4 ASCII letters as a big-endian integer (compare with <see cref="PngChunkTypes"/>).</summary>
    public uint Type { get; } = type;

    public ReadOnlySpan<byte> Data { get; } = data;

    /// <summary>Byte offset of the chunk's length field in the file.</summary>
    public int Offset { get; } = offset;

    public string Name => PngChunkTypes.Name(Type);

    /// <summary>PNG spec 5.4: bit 5 of the first type byte clear (an uppercase letter) = critical.
    /// A decoder must refuse critical chunks it does not know; ancillary ones may be skipped.</summary>
    public bool IsCritical => (Type & 0x20000000u) == 0;
}

/// <summary>Walks the chunks of a PNG file, checking the signature, every length against the bytes
/// left, the type letters and every CRC (PNG spec 5.3). Malformed input raises
/// <see cref="ImageFormatException"/>; nothing is allocated.</summary>
internal ref struct PngChunkReader
{
    /// <summary>PNG spec 5.2: the 8-byte signature.</summary>
    public static ReadOnlySpan<byte> Signature => [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];

    private readonly ReadOnlySpan<byte> _png;
    private int _position;

    public PngChunkReader(ReadOnlySpan<byte> png)
    {
        CheckSignature(png);
        _png = png;
        _position = Signature.Length;
    }

    /// <summary>Reads the next chunk; false at the exact end of the data.</summary>
    public bool TryRead(out PngChunk chunk)
    {
        chunk = default;
        if (_position == _png.Length)
            return false;
        int offset = _position;
        int left = _png.Length - offset;
        if (left < 12)
            throw new ImageFormatException($"PNG is truncated: {left} stray bytes at offset {offset} where a chunk (at least 12 bytes) should start");
        uint length = BinaryPrimitives.ReadUInt32BigEndian(_png.Slice(offset));
        uint type = BinaryPrimitives.ReadUInt32BigEndian(_png.Slice(offset + 4));
        if (!PngChunkTypes.IsValid(type))
            throw new ImageFormatException($"PNG is corrupt: bytes {PngChunkTypes.Hex(type)} at offset {offset + 4} are not a chunk type (4 ASCII letters)");
        string name = PngChunkTypes.Name(type);
        // PNG spec 5.3: a length is at most 2^31-1; checked in long so a hostile length cannot wrap.
        if (length > int.MaxValue)
            throw new ImageFormatException($"PNG is corrupt: chunk '{name}' at offset {offset} declares length {length}, above the 2^31-1 maximum");
        if (12L + length > left)
            throw new ImageFormatException($"PNG is truncated: chunk '{name}' at offset {offset} declares {length} data bytes but only {Math.Max(0, left - 12)} remain before the end of the file");
        var data = _png.Slice(offset + 8, (int)length);
        uint stored = BinaryPrimitives.ReadUInt32BigEndian(_png.Slice(offset + 8 + (int)length));
        uint actual = Crc32.Finish(Crc32.Update(Crc32.Update(0xFFFFFFFFu, _png.Slice(offset + 4, 4)), data));
        if (stored != actual)
            throw new ImageFormatException($"PNG is corrupt: CRC mismatch in chunk '{name}' at offset {offset} (stored 0x{stored:X8}, computed 0x{actual:X8}); the file was damaged in transfer or storage");
        _position = offset + 12 + (int)length;
        chunk = new PngChunk(type, data, offset);
        return true;
    }

    private static void CheckSignature(ReadOnlySpan<byte> png)
    {
        var sig = Signature;
        if (png.Length >= sig.Length && png[..sig.Length].SequenceEqual(sig))
            return;
        if (png.Length == 0)
            throw new ImageFormatException("image data is empty (0 bytes): expected a PNG file");
        // Name the common mistakes so the caller knows what to do.
        string? other = png switch
        {
            [0xFF, 0xD8, 0xFF, ..] => "a JPEG",
            [(byte)'G', (byte)'I', (byte)'F', (byte)'8', ..] => "a GIF",
            [(byte)'R', (byte)'I', (byte)'F', (byte)'F', _, _, _, _, (byte)'W', (byte)'E', (byte)'B', (byte)'P', ..] => "a WebP",
            [(byte)'B', (byte)'M', ..] => "a BMP",
            [0x49, 0x49, 0x2A, 0x00, ..] or [0x4D, 0x4D, 0x00, 0x2A, ..] => "a TIFF",
            _ => null,
        };
        if (other is not null)
            throw new ImageFormatException($"image data is {other} file, not PNG: convert it to PNG (8-bit RGB) first");
        if (png.Length >= 4 && png[..4].SequenceEqual(sig[..4]))
            throw new ImageFormatException("PNG signature is damaged after 'PNG' (line endings changed?): the file was transferred in text mode; resend it as binary");
        if (png.Length < sig.Length && sig[..png.Length].SequenceEqual(png))
            throw new ImageFormatException($"PNG is truncated: only {png.Length} bytes, not even the 8-byte signature");
        throw new ImageFormatException("image data is not a PNG file (the 8-byte PNG signature is missing)");
    }
}
