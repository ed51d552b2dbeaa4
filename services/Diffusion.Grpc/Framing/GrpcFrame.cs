using System.Buffers;
using System.Buffers.Binary;

namespace Diffusion.Grpc.Framing;

/// <summary>
/// The length-prefixed message: 1 byte compressed flag, 4 bytes big-endian length, then the message
/// (PROTOCOL-HTTP2.md, Length-Prefixed-Message).
/// </summary>
internal static class GrpcFrame
{
    public const int HeaderSize = 5;

    public static void WriteHeader(Span<byte> destination, bool compressed, int length)
    {
        destination[0] = compressed ? (byte)1 : (byte)0;
        BinaryPrimitives.WriteUInt32BigEndian(destination[1..], (uint)length);
    }

    /// <summary>Reads a header from the start of <paramref name="buffer"/> (which holds at least 5 bytes).</summary>
    /// <returns>The compressed flag byte (0 or 1; other values are a protocol error) and the length.</returns>
    public static (byte Flag, uint Length) ReadHeader(in ReadOnlySequence<byte> buffer)
    {
        Span<byte> header = stackalloc byte[HeaderSize];
        buffer.Slice(0, HeaderSize).CopyTo(header);
        return (header[0], BinaryPrimitives.ReadUInt32BigEndian(header[1..]));
    }
}
