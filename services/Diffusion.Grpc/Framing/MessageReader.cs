using System.Buffers;
using System.IO.Pipelines;
using Google.Protobuf;

namespace Diffusion.Grpc.Framing;

/// <summary>Reads length-prefixed messages from a pipe and parses them without copying the payload.</summary>
internal static class MessageReader
{
    /// <summary>
    /// The next message, or null when the stream ended cleanly between two messages.
    /// Protocol errors become <see cref="RpcException"/>: a truncated frame or a bad flag is INTERNAL,
    /// a length over <paramref name="maxSize"/> RESOURCE_EXHAUSTED, an unknown encoding UNIMPLEMENTED.
    /// </summary>
    /// <param name="encoding">The peer's grpc-encoding header (null when absent).</param>
    public static async ValueTask<T?> ReadAsync<T>(PipeReader reader, MessageParser<T> parser, int maxSize,
        string? encoding, CancellationToken cancellationToken)
        where T : class, IMessage<T>
    {
        while (true)
        {
            var result = await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            var buffer = result.Buffer;
            if (buffer.Length >= GrpcFrame.HeaderSize)
            {
                var (flag, length) = GrpcFrame.ReadHeader(buffer);
                if (flag > 1)
                {
                    reader.AdvanceTo(buffer.Start, buffer.End);
                    throw new RpcException(new Status(StatusCode.Internal, $"Invalid compressed flag {flag} in message header."));
                }

                if (length > (uint)maxSize)
                {
                    reader.AdvanceTo(buffer.Start, buffer.End);
                    throw new RpcException(new Status(StatusCode.ResourceExhausted,
                        $"Received message exceeds the maximum configured message size ({length} > {maxSize} bytes)."));
                }

                if (buffer.Length >= GrpcFrame.HeaderSize + length)
                {
                    var payload = buffer.Slice(GrpcFrame.HeaderSize, length);
                    try
                    {
                        return Parse(payload, flag == 1, parser, maxSize, encoding);
                    }
                    finally
                    {
                        reader.AdvanceTo(payload.End);
                    }
                }
            }

            if (result.IsCompleted || result.IsCanceled)
            {
                var remaining = buffer.Length;
                reader.AdvanceTo(buffer.End);
                if (remaining == 0 && result.IsCompleted)
                {
                    return null;
                }

                throw new RpcException(new Status(StatusCode.Internal,
                    result.IsCanceled ? "Reading the message was canceled." : "Incomplete message: the stream ended inside a message."));
            }

            reader.AdvanceTo(buffer.Start, buffer.End);
        }
    }

    private static T Parse<T>(in ReadOnlySequence<byte> payload, bool compressed, MessageParser<T> parser, int maxSize, string? encoding)
        where T : class, IMessage<T>
    {
        try
        {
            if (!compressed)
            {
                var message = parser.ParseFrom(payload);
                Utf8FieldValidator.Validate(message.Descriptor, payload);
                return message;
            }

            if (encoding is null || encoding == GrpcProtocol.IdentityEncoding)
            {
                throw new RpcException(new Status(StatusCode.Internal,
                    "A compressed message arrived without a grpc-encoding naming its compression."));
            }

            if (!encoding.Equals(GrpcProtocol.GzipEncoding, StringComparison.OrdinalIgnoreCase))
            {
                throw new RpcException(new Status(StatusCode.Unimplemented,
                    $"Unsupported grpc-encoding value '{encoding}'. Supported encodings: {GrpcProtocol.SupportedEncodings}"));
            }

            using var inflated = new PooledBufferWriter((int)Math.Min(payload.Length * 4, maxSize));
            GzipCompression.Decompress(payload, inflated, maxSize);
            var inflatedMessage = parser.ParseFrom(inflated.WrittenSpan);
            Utf8FieldValidator.Validate(inflatedMessage.Descriptor, inflated.WrittenMemory);
            return inflatedMessage;
        }
        catch (Exception ex) when (ex is InvalidProtocolBufferException or MalformedMessageException)
        {
            throw new RpcException(new Status(StatusCode.Internal, "Failed to deserialize message: " + ex.Message), new Metadata(), ex);
        }
    }
}
