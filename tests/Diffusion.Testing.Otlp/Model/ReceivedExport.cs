namespace Diffusion.Testing.Otlp;

/// <summary>One export request the receiver accepted.</summary>
/// <param name="Signal">Which OTLP service the request was for.</param>
/// <param name="Transport">OTLP/HTTP protobuf or OTLP/gRPC.</param>
/// <param name="Compressed">Whether the payload arrived gzip-compressed
/// (<c>Content-Encoding: gzip</c>, or a compressed gRPC frame).</param>
/// <param name="HttpProtocol">The HTTP version of the request, e.g. <c>HTTP/1.1</c> or <c>HTTP/2</c>.</param>
/// <param name="ItemCount">Spans, metric data points or log records decoded from the request.</param>
/// <param name="UserAgent">The client's User-Agent header, or null.</param>
public sealed record ReceivedExport(
    OtlpSignal Signal,
    OtlpTransport Transport,
    bool Compressed,
    string HttpProtocol,
    int ItemCount,
    string? UserAgent);

/// <summary>The three OTLP signals.</summary>
public enum OtlpSignal
{
    /// <summary>Spans: <c>/v1/traces</c>, <c>TraceService/Export</c>.</summary>
    Traces,

    /// <summary>Metrics: <c>/v1/metrics</c>, <c>MetricsService/Export</c>.</summary>
    Metrics,

    /// <summary>Log records: <c>/v1/logs</c>, <c>LogsService/Export</c>.</summary>
    Logs,
}

/// <summary>How an export reached the receiver.</summary>
public enum OtlpTransport
{
    /// <summary>OTLP/HTTP with a binary protobuf body (<c>application/x-protobuf</c>).</summary>
    HttpProtobuf,

    /// <summary>OTLP/gRPC: HTTP/2, <c>application/grpc</c>, one length-prefixed message.</summary>
    Grpc,
}
