using System.IO.Compression;

namespace Diffusion.Grpc.Server;

/// <summary>Server-wide transport options, set with <c>services.AddGrpcTransport(o => ...)</c>.</summary>
public sealed class GrpcServerOptions
{
    /// <summary>Largest request message accepted, in bytes (after decompression); larger is RESOURCE_EXHAUSTED. Default 4 MiB.</summary>
    public int MaxReceiveMessageSize { get; set; } = GrpcProtocol.DefaultMaxReceiveMessageSize;

    /// <summary>Largest response message sent, in bytes; null for no limit (the default).</summary>
    public int? MaxSendMessageSize { get; set; }

    /// <summary>
    /// The encoding of response messages when the client accepts it: "gzip", or null (the default)
    /// to send them uncompressed.
    /// </summary>
    public string? ResponseCompression { get; set; }

    public CompressionLevel ResponseCompressionLevel { get; set; } = CompressionLevel.Fastest;

    /// <summary>
    /// Whether an unexpected handler exception's type and message go to the client in grpc-message.
    /// Off by default: clients then see only "Exception was thrown by handler."
    /// </summary>
    public bool EnableDetailedErrors { get; set; }
}
