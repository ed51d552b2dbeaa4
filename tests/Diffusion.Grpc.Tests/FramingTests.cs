using System.Buffers.Binary;
using System.IO.Compression;
using System.IO.Pipelines;
using Diffusion.Grpc.Framing;
using Google.Protobuf;
using Grpc.Health.V1;

namespace Diffusion.Grpc.Tests;

public sealed class FramingTests
{
    private const int Limit = 1024 * 1024;

    [Fact]
    public void Write_Message_HasFlagZeroAndBigEndianLength()
    {
        var message = new HealthCheckRequest { Service = "diffusion.v1.Denoiser" };
        using var buffer = new PooledBufferWriter(16);

        MessageWriter.Write(buffer, message, gzip: false, CompressionLevel.Fastest, maxSize: null);

        var bytes = buffer.WrittenSpan;
        Assert.Equal(0, bytes[0]);
        Assert.Equal((uint)message.CalculateSize(), BinaryPrimitives.ReadUInt32BigEndian(bytes[1..5]));
        Assert.Equal(message.ToByteArray(), bytes[5..].ToArray());
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Read_WrittenMessages_RoundTrip(bool gzip)
    {
        var pipe = new Pipe();
        var messages = new[] { "", "a", new string('x', 100_000), "last" }.Select(s => new HealthCheckRequest { Service = s }).ToList();
        foreach (var message in messages)
        {
            MessageWriter.Write(pipe.Writer, message, gzip, CompressionLevel.Fastest, maxSize: null);
        }

        await pipe.Writer.CompleteAsync();

        foreach (var expected in messages)
        {
            var actual = await Read(pipe.Reader, gzip ? "gzip" : null);
            Assert.Equal(expected, actual);
        }

        Assert.Null(await Read(pipe.Reader, null));
    }

    [Fact]
    public async Task Read_OneByteAtATime_AssemblesTheMessage()
    {
        var message = new HealthCheckRequest { Service = new string('s', 5000) };
        using var frame = new PooledBufferWriter(16);
        MessageWriter.Write(frame, message, gzip: false, CompressionLevel.Fastest, maxSize: null);
        var bytes = frame.WrittenSpan.ToArray();
        var pipe = new Pipe(new PipeOptions(pauseWriterThreshold: 0));

        var read = Read(pipe.Reader, null);
        foreach (var b in bytes)
        {
            Assert.False(read.IsCompleted);
            await pipe.Writer.WriteAsync(new[] { b });
        }

        Assert.Equal(message, await read);
    }

    [Fact]
    public async Task Read_LengthOverLimit_IsResourceExhaustedBeforeTheBodyArrives()
    {
        var pipe = new Pipe();
        var header = new byte[5];
        GrpcFrame.WriteHeader(header, compressed: false, Limit + 1);
        await pipe.Writer.WriteAsync(header);

        var error = await Assert.ThrowsAsync<RpcException>(() => Read(pipe.Reader, null));

        Assert.Equal(StatusCode.ResourceExhausted, error.StatusCode);
    }

    [Theory]
    [InlineData(new byte[] { 0, 0, 0 })]                   // truncated prefix
    [InlineData(new byte[] { 0, 0, 0, 0, 10, 1, 2, 3 })]   // length larger than the body
    public async Task Read_StreamEndsInsideAFrame_IsInternal(byte[] bytes)
    {
        var pipe = new Pipe();
        await pipe.Writer.WriteAsync(bytes);
        await pipe.Writer.CompleteAsync();

        var error = await Assert.ThrowsAsync<RpcException>(() => Read(pipe.Reader, null));

        Assert.Equal(StatusCode.Internal, error.StatusCode);
        Assert.Contains("Incomplete", error.Detail);
    }

    [Fact]
    public async Task Read_InvalidFlag_IsInternal()
    {
        var error = await Assert.ThrowsAsync<RpcException>(() => ReadBytes([2, 0, 0, 0, 0], null));

        Assert.Equal(StatusCode.Internal, error.StatusCode);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("identity")]
    public async Task Read_CompressedFlagWithoutEncoding_IsInternal(string? encoding)
    {
        var error = await Assert.ThrowsAsync<RpcException>(() => ReadBytes([1, 0, 0, 0, 0], encoding));

        Assert.Equal(StatusCode.Internal, error.StatusCode);
    }

    [Fact]
    public async Task Read_CompressedWithUnsupportedEncoding_IsUnimplemented()
    {
        var error = await Assert.ThrowsAsync<RpcException>(() => ReadBytes([1, 0, 0, 0, 1, 0], "snappy"));

        Assert.Equal(StatusCode.Unimplemented, error.StatusCode);
        Assert.Contains("identity,gzip", error.Detail);
    }

    [Fact]
    public async Task Read_GzipThatInflatesOverLimit_IsResourceExhausted()
    {
        // 4 MiB of zeros gzip to a few KiB: the frame is small, the message is not.
        var pipe = new Pipe();
        MessageWriter.Write(pipe.Writer, new HealthCheckRequest { Service = new string('0', 4 * Limit) }, gzip: true,
            CompressionLevel.Optimal, maxSize: null);
        await pipe.Writer.CompleteAsync();

        var error = await Assert.ThrowsAsync<RpcException>(() => Read(pipe.Reader, "gzip"));

        Assert.Equal(StatusCode.ResourceExhausted, error.StatusCode);
    }

    [Fact]
    public async Task Read_CorruptGzip_IsInternal()
    {
        var error = await Assert.ThrowsAsync<RpcException>(() => ReadBytes([1, 0, 0, 0, 4, 1, 2, 3, 4], "gzip"));

        Assert.Equal(StatusCode.Internal, error.StatusCode);
    }

    [Fact]
    public async Task Read_GarbagePayload_IsInternal()
    {
        var error = await Assert.ThrowsAsync<RpcException>(() => ReadBytes([0, 0, 0, 0, 2, 0x0A, 0x05], null));

        Assert.Equal(StatusCode.Internal, error.StatusCode);
    }

    [Fact]
    public void Write_MessageOverSendLimit_IsResourceExhaustedAndWritesNothing()
    {
        using var buffer = new PooledBufferWriter(16);

        var error = Assert.Throws<RpcException>(() =>
            MessageWriter.Write(buffer, new HealthCheckRequest { Service = new string('x', 100) }, false, CompressionLevel.Fastest, maxSize: 50));

        Assert.Equal(StatusCode.ResourceExhausted, error.StatusCode);
        Assert.Equal(0, buffer.WrittenCount);
    }

    [Fact]
    public void Write_Gzip_SetsFlagAndShrinksCompressibleData()
    {
        using var buffer = new PooledBufferWriter(16);
        var message = new HealthCheckRequest { Service = new string('z', 100_000) };

        MessageWriter.Write(buffer, message, gzip: true, CompressionLevel.Fastest, maxSize: null);

        Assert.Equal(1, buffer.WrittenSpan[0]);
        Assert.True(buffer.WrittenCount < 2000, $"{buffer.WrittenCount} bytes");
        Assert.Equal(buffer.WrittenCount - 5, (int)BinaryPrimitives.ReadUInt32BigEndian(buffer.WrittenSpan[1..5]));
    }

    private static async Task<HealthCheckRequest?> ReadBytes(byte[] bytes, string? encoding)
    {
        var pipe = new Pipe();
        await pipe.Writer.WriteAsync(bytes);
        await pipe.Writer.CompleteAsync();
        return await Read(pipe.Reader, encoding);
    }

    private static async Task<HealthCheckRequest?> Read(PipeReader reader, string? encoding) =>
        await MessageReader.ReadAsync(reader, HealthCheckRequest.Parser, Limit, encoding, CancellationToken.None);
}
