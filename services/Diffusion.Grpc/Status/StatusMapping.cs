using System.Net.Http;

namespace Diffusion.Grpc;

/// <summary>Statuses for failures that never carried a grpc-status (doc/http-grpc-status-mapping.md, PROTOCOL-HTTP2.md).</summary>
internal static class StatusMapping
{
    /// <summary>The status of a response whose HTTP status is not 200.</summary>
    public static StatusCode FromHttpStatus(int httpStatus) => httpStatus switch
    {
        400 => StatusCode.Internal,
        401 => StatusCode.Unauthenticated,
        403 => StatusCode.PermissionDenied,
        404 => StatusCode.Unimplemented,
        429 or 502 or 503 or 504 => StatusCode.Unavailable,
        _ => StatusCode.Unknown,
    };

    /// <summary>The status of a stream the server reset with an HTTP/2 error code.</summary>
    public static StatusCode FromHttp2ErrorCode(long errorCode) => errorCode switch
    {
        0x7 => StatusCode.Unavailable,        // REFUSED_STREAM: not processed, safe to retry
        0x8 => StatusCode.Cancelled,          // CANCEL
        0xB => StatusCode.ResourceExhausted,  // ENHANCE_YOUR_CALM
        0xC => StatusCode.PermissionDenied,   // INADEQUATE_SECURITY
        _ => StatusCode.Internal,             // NO_ERROR, PROTOCOL_ERROR, INTERNAL_ERROR, FLOW_CONTROL_ERROR, ...
    };

    /// <summary>Whether the request never reached the server because no connection could be made.</summary>
    public static bool IsConnectFailure(HttpRequestException exception) => exception.HttpRequestError is
        HttpRequestError.ConnectionError or HttpRequestError.NameResolutionError
        or HttpRequestError.SecureConnectionError or HttpRequestError.ProxyTunnelError;

    /// <summary>
    /// Whether a request that got no response was certainly not processed: no connection, or the
    /// server refused the stream (REFUSED_STREAM) or closed the connection gracefully (GOAWAY with
    /// NO_ERROR) before answering it, as servers do while shutting down. Such a call is UNAVAILABLE
    /// and safe to send again elsewhere.
    /// </summary>
    public static bool IsUnprocessed(HttpRequestException exception, out bool endpointGoingAway)
    {
        endpointGoingAway = true;
        if (IsConnectFailure(exception))
        {
            return true;
        }

        if (exception.HttpRequestError == HttpRequestError.HttpProtocolError && exception.InnerException is HttpProtocolException protocol)
        {
            endpointGoingAway = protocol.ErrorCode == 0x0;
            return protocol.ErrorCode is 0x0 or 0x7;
        }

        return false;
    }

    public static Status FromTransportException(Exception exception)
    {
        if (exception is HttpRequestException request && IsUnprocessed(request, out _))
        {
            return new Status(StatusCode.Unavailable, "Error connecting: " + Describe(request));
        }

        for (var e = exception; e is not null; e = e.InnerException)
        {
            if (e is HttpProtocolException protocol)
            {
                return new Status(FromHttp2ErrorCode(protocol.ErrorCode), "HTTP/2 stream error: " + protocol.Message);
            }
        }

        return exception switch
        {
            HttpRequestException or IOException => new Status(StatusCode.Unavailable, "Transport error: " + Describe(exception)),
            _ => new Status(StatusCode.Internal, $"Error in the call. {exception.GetType().Name}: {exception.Message}"),
        };
    }

    private static string Describe(Exception exception) =>
        exception.InnerException is { } inner ? $"{exception.Message} ({inner.Message})" : exception.Message;
}
