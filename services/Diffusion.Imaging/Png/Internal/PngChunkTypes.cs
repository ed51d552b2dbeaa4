using System.Buffers.Binary;

namespace Diffusion.Imaging;

/// <summary>Chunk type codes (PNG spec 11) as big-endian integers of their 4 ASCII letters.
/// Named exactly as the spec spells them: the letter case carries meaning (critical/ancillary).</summary>
internal static class PngChunkTypes
{
    public const uint IHDR = 0x49484452;
    public const uint PLTE = 0x504C5445;
    public const uint IDAT = 0x49444154;
    public const uint IEND = 0x49454E44;
    public const uint tRNS = 0x74524E53;
    public const uint tEXt = 0x74455874;
    public const uint zTXt = 0x7A545874;
    public const uint iTXt = 0x69545874;

    /// <summary>Each of the 4 bytes is an ASCII letter (PNG spec 5.3).</summary>
    public static bool IsValid(uint type)
    {
        for (int shift = 0; shift < 32; shift += 8)
        {
            uint c = (type >> shift) & 0xFF;
            if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z')))
                return false;
        }
        return true;
    }

    public static string Name(uint type)
    {
        return string.Create(4, type, static (chars, t) =>
        {
            for (int i = 0; i < 4; i++)
                chars[i] = (char)((t >> (24 - 8 * i)) & 0xFF);
        });
    }

    public static string Hex(uint type) => $"0x{type:X8}";

    public static void Write(Span<byte> destination, uint type) => BinaryPrimitives.WriteUInt32BigEndian(destination, type);
}
