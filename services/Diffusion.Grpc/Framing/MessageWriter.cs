using System.Buffers;
using System.IO.Compression;
using Google.Protobuf;

namespace Diffusion.Grpc.Framing;

/// <summary>Writes one length-prefixed message.</summary>
internal static class MessageWriter
{
    /// <summary>
    /// Serializes <paramref name="message"/> straight into <paramref name="output"/> after its 5-byte
    /// prefix (no intermediate copy), or gzip-compressed when <paramref name="gzip"/> is set.
    /// A message over <paramref name="maxSize"/> is RESOURCE_EXHAUSTED and nothing is written.
    /// </summary>
    public static void Write<T>(IBufferWriter<byte> output, T message, bool gzip, CompressionLevel level, int? maxSize)
        where T : IMessage<T>
    {
        var size = message.CalculateSize();
        if (maxSize is { } max && size > max)
        {
            throw new RpcException(new Status(StatusCode.ResourceExhausted,
                $"Sending message exceeds the maximum configured message size ({size} > {max} bytes)."));
        }

        if (!gzip)
        {
            GrpcFrame.WriteHeader(output.GetSpan(GrpcFrame.HeaderSize), compressed: false, size);
            output.Advance(GrpcFrame.HeaderSize);
            if (size > 0)
            {
                message.WriteTo(output);
            }

            return;
        }

        using var serialized = new PooledBufferWriter(size);
        message.WriteTo(serialized.GetSpan(size)[..size]);
        serialized.Advance(size);
        using var compressed = new PooledBufferWriter(size / 2 + 64);
        GzipCompression.Compress(serialized.WrittenSpan, compressed, level);
        var frame = output.GetSpan(GrpcFrame.HeaderSize + compressed.WrittenCount);
        GrpcFrame.WriteHeader(frame, compressed: true, compressed.WrittenCount);
        compressed.WrittenSpan.CopyTo(frame[GrpcFrame.HeaderSize..]);
        output.Advance(GrpcFrame.HeaderSize + compressed.WrittenCount);
    }
}
