using System.Buffers.Binary;
using System.Text;

namespace Diffusion.Testing.Otlp.Internal;

/// <summary>
/// The few pieces of the gRPC-over-HTTP/2 wire protocol an OTLP/gRPC receiver needs
/// (grpc/grpc doc/PROTOCOL-HTTP2.md): the 5-byte message prefix and status trailers.
/// </summary>
internal static class GrpcWire
{
    public const int FrameHeaderBytes = 5;

    // Status codes from grpc/grpc doc/statuscodes.md.
    public const int StatusOk = 0;
    public const int StatusInvalidArgument = 3;
    public const int StatusResourceExhausted = 8;
    public const int StatusUnimplemented = 12;
    public const int StatusInternal = 13;

    /// <summary>An empty Export*ServiceResponse, framed: uncompressed flag and length 0. Proto3
    /// encodes a message with no fields set as zero bytes, so the frame is the whole response.</summary>
    public static ReadOnlyMemory<byte> EmptyResponseFrame { get; } = new byte[FrameHeaderBytes];

    /// <summary>
    /// Splits a unary request body into its single message. Returns false (with a reason) unless the
    /// body is exactly one well-formed frame: OTLP export methods are unary.
    /// </summary>
    public static bool TryReadSingleMessage(byte[] body, out bool compressed, out byte[] message, out string error)
    {
        compressed = false;
        message = [];
        if (body.Length < FrameHeaderBytes)
        {
            error = $"The request body has {body.Length} bytes, less than a gRPC message prefix.";
            return false;
        }

        var flag = body[0];
        if (flag > 1)
        {
            error = $"Unknown gRPC compressed flag {flag}.";
            return false;
        }

        var length = BinaryPrimitives.ReadUInt32BigEndian(body.AsSpan(1, 4));
        if (length != (uint)(body.Length - FrameHeaderBytes))
        {
            error = $"The gRPC prefix announces {length} bytes but {body.Length - FrameHeaderBytes} follow; a unary call carries exactly one message.";
            return false;
        }

        compressed = flag == 1;
        message = body[FrameHeaderBytes..];
        error = string.Empty;
        return true;
    }

    /// <summary>Percent-encodes a grpc-message value: bytes outside printable ASCII, and '%', as %XX of UTF-8.</summary>
    public static string EncodeMessage(string message)
    {
        var builder = new StringBuilder(message.Length);
        foreach (var b in Encoding.UTF8.GetBytes(message))
        {
            if (b is >= 0x20 and <= 0x7E && b != (byte)'%')
            {
                builder.Append((char)b);
            }
            else
            {
                builder.Append('%').Append(b.ToString("X2", System.Globalization.CultureInfo.InvariantCulture));
            }
        }

        return builder.ToString();
    }
}
