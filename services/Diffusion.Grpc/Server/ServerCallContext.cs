using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Diffusion.Grpc.Framing;
using Google.Protobuf;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core.Features;

namespace Diffusion.Grpc.Server;

/// <summary>The server side of one call, handed to every handler.</summary>
public sealed class ServerCallContext
{
    private readonly HttpContext _httpContext;
    private readonly GrpcServerOptions _options;
    private readonly CancellationTokenSource? _deadlineCts;
    private readonly CancellationTokenSource _callCts;
    private readonly string? _requestEncoding;
    private readonly bool _compressResponses;
    private Metadata? _requestHeaders;

    internal ServerCallContext(HttpContext httpContext, string method, GrpcServerOptions options)
    {
        _httpContext = httpContext;
        _options = options;
        Method = method;

        var request = httpContext.Request;
        _requestEncoding = request.Headers[GrpcProtocol.EncodingHeader].ToString() is { Length: > 0 } e ? e : null;
        _compressResponses = options.ResponseCompression == GrpcProtocol.GzipEncoding
            && GrpcProtocol.EncodingListContains(request.Headers[GrpcProtocol.AcceptEncodingHeader].ToString(), GrpcProtocol.GzipEncoding);

        // Kestrel ignores grpc-timeout: the deadline is ours to enforce. A malformed value is ignored.
        Deadline = DateTime.MaxValue;
        if (request.Headers[GrpcProtocol.TimeoutHeader].ToString() is { Length: > 0 } timeoutText
            && GrpcTimeout.TryParse(timeoutText, out var timeout))
        {
            Deadline = DateTime.UtcNow + timeout;
            // CancellationTokenSource timers top out at ~49 days; a longer timeout is as good as none.
            if (timeout < TimeSpan.FromDays(30))
            {
                _deadlineCts = new CancellationTokenSource(timeout);
            }
        }

        _callCts = _deadlineCts is null
            ? CancellationTokenSource.CreateLinkedTokenSource(httpContext.RequestAborted)
            : CancellationTokenSource.CreateLinkedTokenSource(httpContext.RequestAborted, _deadlineCts.Token);
    }

    /// <summary>The method's path, e.g. "/diffusion.v1.Denoiser/Denoise".</summary>
    public string Method { get; }

    /// <summary>The client's address as gRPC writes it, e.g. "ipv4:127.0.0.1:50123".</summary>
    public string Peer => FormatPeer(_httpContext.Connection.RemoteIpAddress, _httpContext.Connection.RemotePort);

    /// <summary>When the call must end (UTC), from the client's grpc-timeout; <see cref="DateTime.MaxValue"/> when it sent none.</summary>
    public DateTime Deadline { get; }

    /// <summary>The client's custom metadata (transport headers such as content-type and grpc-timeout are left out).</summary>
    public Metadata RequestHeaders => _requestHeaders ??= ReadRequestHeaders(_httpContext.Request.Headers);

    /// <summary>Metadata sent with the status at the end of the call.</summary>
    public Metadata ResponseTrailers { get; } = new();

    /// <summary>The status the call ends with when the handler returns normally (OK unless set).</summary>
    public Status Status { get; set; } = Status.DefaultSuccess;

    /// <summary>Fires when the client cancels (RST_STREAM, disconnect) or the deadline passes.</summary>
    public CancellationToken CancellationToken => _callCts.Token;

    internal bool ResponseHeadersSent => _httpContext.Response.HasStarted;

    internal bool DeadlineExceeded => _deadlineCts?.IsCancellationRequested == true
        || (Deadline != DateTime.MaxValue && DateTime.UtcNow >= Deadline);

    internal bool ClientAborted => _httpContext.RequestAborted.IsCancellationRequested;

    internal int MaxReceiveMessageSize => _options.MaxReceiveMessageSize;

    /// <summary>The underlying ASP.NET Core request, for what the transport does not surface (TLS, features).</summary>
    public HttpContext GetHttpContext() => _httpContext;

    /// <summary>Sends the response headers now, with <paramref name="headers"/> added. At most once, before the first message.</summary>
    public async Task WriteResponseHeadersAsync(Metadata headers)
    {
        ArgumentNullException.ThrowIfNull(headers);
        var response = _httpContext.Response;
        if (response.HasStarted)
        {
            throw new InvalidOperationException("Response headers can only be sent once per call, before the first message.");
        }

        foreach (var entry in headers)
        {
            response.Headers.Append(entry.Key, MetadataCodec.ToHeaderValue(entry));
        }

        await response.StartAsync(CancellationToken).ConfigureAwait(false);
        await response.BodyWriter.FlushAsync(CancellationToken).ConfigureAwait(false);
    }

    internal void Release()
    {
        _callCts.Dispose();
        _deadlineCts?.Dispose();
    }

    private static Metadata ReadRequestHeaders(IHeaderDictionary headers)
    {
        var metadata = new Metadata();
        foreach (var header in headers)
        {
            foreach (var value in header.Value)
            {
                if (value is not null)
                {
                    MetadataCodec.AddFromHeader(metadata, header.Key, value);
                }
            }
        }

        return metadata;
    }

    internal void Initialize()
    {
        // Streams may sit idle for minutes (a denoiser waiting for its next step): Kestrel's minimum
        // data rate would reset the connection, and its body size limit would answer 413 where gRPC
        // wants RESOURCE_EXHAUSTED per message.
        if (_httpContext.Features.Get<IHttpMinRequestBodyDataRateFeature>() is { } rate)
        {
            rate.MinDataRate = null;
        }

        if (_httpContext.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } size)
        {
            size.MaxRequestBodySize = null;
        }

        var response = _httpContext.Response;
        response.ContentType = GrpcProtocol.ContentType;
        response.Headers[GrpcProtocol.AcceptEncodingHeader] = GrpcProtocol.SupportedEncodings;
        if (_compressResponses)
        {
            response.Headers[GrpcProtocol.EncodingHeader] = GrpcProtocol.GzipEncoding;
        }
    }

    /// <summary>Reads a request message. A request that cannot be read (truncated frame, garbage protobuf,
    /// compressed without an encoding) is the caller's error: INVALID_ARGUMENT, not INTERNAL.</summary>
    internal async ValueTask<T?> ReadMessageAsync<T>(MessageParser<T> parser, CancellationToken cancellationToken)
        where T : class, IMessage<T>
    {
        try
        {
            return await MessageReader.ReadAsync(_httpContext.Request.BodyReader, parser, _options.MaxReceiveMessageSize, _requestEncoding, cancellationToken)
                .ConfigureAwait(false);
        }
        catch (RpcException ex) when (ex.StatusCode == StatusCode.Internal)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, ex.Status.Detail), ex.Trailers, ex);
        }
    }

    internal async Task WriteMessageAsync<T>(T message, CancellationToken cancellationToken)
        where T : IMessage<T>
    {
        var writer = _httpContext.Response.BodyWriter;
        MessageWriter.Write(writer, message, _compressResponses, _options.ResponseCompressionLevel, _options.MaxSendMessageSize);
        var result = await writer.FlushAsync(cancellationToken).ConfigureAwait(false);
        if (result.IsCanceled || result.IsCompleted)
        {
            throw new OperationCanceledException("The client is gone: the message could not be sent.", CancellationToken);
        }
    }

    /// <summary>
    /// Ends the call with <paramref name="status"/>: trailers after a response that has started,
    /// or a Trailers-Only response (status in the one HEADERS frame, no body) when nothing was sent.
    /// </summary>
    internal void WriteStatus(Status status, Metadata? extraTrailers)
    {
        var response = _httpContext.Response;
        var started = response.HasStarted;
        void Set(string key, string value)
        {
            if (started)
            {
                response.AppendTrailer(key, value);
            }
            else
            {
                response.Headers.Append(key, value);
            }
        }

        Set(GrpcProtocol.StatusTrailer, ((int)status.StatusCode).ToString(CultureInfo.InvariantCulture));
        if (!string.IsNullOrEmpty(status.Detail))
        {
            Set(GrpcProtocol.MessageTrailer, GrpcMessageEncoding.Encode(status.Detail));
        }

        foreach (var entry in ResponseTrailers)
        {
            Set(entry.Key, MetadataCodec.ToHeaderValue(entry));
        }

        if (extraTrailers is not null && !ReferenceEquals(extraTrailers, ResponseTrailers))
        {
            foreach (var entry in extraTrailers)
            {
                Set(entry.Key, MetadataCodec.ToHeaderValue(entry));
            }
        }
    }

    internal static string FormatPeer(IPAddress? address, int port) => address switch
    {
        null => "unknown",
        { AddressFamily: AddressFamily.InterNetworkV6 } when address.IsIPv4MappedToIPv6 =>
            $"ipv4:{address.MapToIPv4()}:{port}",
        { AddressFamily: AddressFamily.InterNetworkV6 } => $"ipv6:[{address}]:{port}",
        _ => $"ipv4:{address}:{port}",
    };
}
