using System.Buffers.Binary;

namespace Diffusion.Imaging;

/// <summary>Writes chunks (length, type, data, CRC over type and data; PNG spec 5.3).</summary>
internal static class PngChunkWriter
{
    public static void Write(Stream output, uint type, ReadOnlySpan<byte> data)
    {
        Span<byte> field = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(field, (uint)data.Length);
        output.Write(field);
        PngChunkTypes.Write(field, type);
        output.Write(field);
        output.Write(data);
        uint crc = Crc32.Finish(Crc32.Update(Crc32.Update(0xFFFFFFFFu, field), data));
        BinaryPrimitives.WriteUInt32BigEndian(field, crc);
        output.Write(field);
    }
}
