using System.Buffers;
using System.IO.Compression;
using System.Runtime.InteropServices;

namespace Diffusion.Grpc.Framing;

/// <summary>The "gzip" message encoding (RFC 1952), the one every gRPC implementation supports.</summary>
internal static class GzipCompression
{
    public static void Compress(ReadOnlySpan<byte> data, PooledBufferWriter destination, CompressionLevel level)
    {
        using var output = new BufferWriterStream(destination);
        using (var gzip = new GZipStream(output, level, leaveOpen: true))
        {
            gzip.Write(data);
        }
    }

    /// <summary>
    /// Inflates into <paramref name="destination"/>, failing with RESOURCE_EXHAUSTED as soon as the
    /// output passes <paramref name="maxSize"/> (a small compressed frame may inflate enormously).
    /// </summary>
    public static void Decompress(in ReadOnlySequence<byte> data, PooledBufferWriter destination, int maxSize)
    {
        byte[]? rented = null;
        ReadOnlyMemory<byte> input;
        if (data.IsSingleSegment)
        {
            input = data.First;
        }
        else
        {
            rented = ArrayPool<byte>.Shared.Rent((int)data.Length);
            data.CopyTo(rented);
            input = rented.AsMemory(0, (int)data.Length);
        }

        try
        {
            using var source = MemoryMarshal.TryGetArray(input, out var segment)
                ? new MemoryStream(segment.Array!, segment.Offset, segment.Count, writable: false)
                : new MemoryStream(input.ToArray(), writable: false);
            using var gzip = new GZipStream(source, CompressionMode.Decompress);
            while (true)
            {
                var span = destination.GetSpan(16 * 1024);
                var read = gzip.Read(span);
                if (read == 0)
                {
                    break;
                }

                destination.Advance(read);
                if (destination.WrittenCount > maxSize)
                {
                    throw new RpcException(new Status(StatusCode.ResourceExhausted,
                        $"Received message exceeds the maximum configured message size of {maxSize} bytes after decompression."));
                }
            }
        }
        catch (InvalidDataException ex)
        {
            throw new RpcException(new Status(StatusCode.Internal, "Failed to decompress message: " + ex.Message), new Metadata(), ex);
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    /// <summary>A write-only stream into a <see cref="PooledBufferWriter"/>.</summary>
    private sealed class BufferWriterStream(PooledBufferWriter writer) : Stream
    {
        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            buffer.CopyTo(writer.GetSpan(buffer.Length));
            writer.Advance(buffer.Length);
        }
    }
}
