using System.Diagnostics;
using System.IO.Pipelines;
using System.Net;
using System.Net.Http;
using System.Net.Http.Headers;
using Diffusion.Grpc.Diagnostics;
using Diffusion.Grpc.Framing;
using Google.Protobuf;

namespace Diffusion.Grpc.Client;

/// <summary>
/// One client call on the wire: picks an endpoint, sends the HTTP/2 request, reads response frames,
/// and turns every way a call can end into a status (trailers, Trailers-Only, HTTP errors, resets,
/// deadline, cancellation).
/// </summary>
internal sealed class GrpcCall<TRequest, TResponse> : IDisposable
    where TRequest : class, IMessage<TRequest>
    where TResponse : class, IMessage<TResponse>
{
    private const string UserAgent = "grpc-dotnet-diffusion/1.0";
    private const int MaxAttempts = 5;
    private static readonly StreamPipeReaderOptions ReaderOptions = new(bufferSize: 64 * 1024, minimumReadSize: 16 * 1024);
    private static readonly Status DeadlineStatus = new(StatusCode.DeadlineExceeded, "Deadline Exceeded");
    private static readonly Status CancelledStatus = new(StatusCode.Cancelled, "Call canceled by the client.");

    private readonly GrpcChannel _channel;
    private readonly Method<TRequest, TResponse> _method;
    private readonly CallOptions _options;
    private readonly Endpoint? _fixedEndpoint;
    private readonly CancellationTokenSource? _deadlineCts;
    private readonly CancellationTokenSource _callCts;
    private readonly TaskCompletionSource<Metadata> _headers = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly object _gate = new();
    private HttpRequestMessage? _request;
    private HttpResponseMessage? _response;
    private PipeReader? _reader;
    private string? _responseEncoding;
    private Endpoint? _endpoint;
    private Activity? _activity;
    private Status? _status;
    private Metadata? _trailers;
    private CancellationTokenRegistration _abortRegistration;
    private bool _disposed;
    private Action<RpcException?>? _endedCallback;

    public GrpcCall(GrpcChannel channel, Method<TRequest, TResponse> method, CallOptions options, Endpoint? fixedEndpoint = null)
    {
        _channel = channel;
        _method = method;
        _options = options;
        _fixedEndpoint = fixedEndpoint;
        if (options.RequestCompression is not null and not GrpcProtocol.GzipEncoding and not GrpcProtocol.IdentityEncoding)
        {
            throw new ArgumentException($"Unsupported request compression '{options.RequestCompression}': use \"gzip\" or null.", nameof(options));
        }

        if (options.Deadline is { } deadline && deadline != DateTime.MaxValue)
        {
            var remaining = deadline.ToUniversalTime() - DateTime.UtcNow;
            _deadlineCts = new CancellationTokenSource(remaining > TimeSpan.Zero ? Clamp(remaining) : TimeSpan.Zero);
        }

        _callCts = _deadlineCts is null
            ? CancellationTokenSource.CreateLinkedTokenSource(options.CancellationToken)
            : CancellationTokenSource.CreateLinkedTokenSource(options.CancellationToken, _deadlineCts.Token);
    }

    /// <summary>
    /// Runs <paramref name="callback"/> once when the call ends, however it ends (null: OK). Register
    /// before <see cref="StartAsync"/>.
    /// </summary>
    public void OnEnded(Action<RpcException?> callback) => _endedCallback += callback;

    public CancellationToken CallToken => _callCts.Token;

    public bool CompressRequests => _options.RequestCompression == GrpcProtocol.GzipEncoding;

    public GrpcChannelOptions ChannelOptions => _channel.Options;

    public Task<Metadata> ResponseHeadersAsync => _headers.Task;

    public Status GetStatus() => _status ?? throw new InvalidOperationException("The call is still in progress: read its responses to the end first.");

    public Metadata GetTrailers() => _trailers ?? throw new InvalidOperationException("The call is still in progress: read its responses to the end first.");

    /// <summary>Why no more requests can be written: null while the call runs.</summary>
    public Exception? GetEndedError() => _status switch
    {
        null => null,
        { StatusCode: StatusCode.OK } => new InvalidOperationException("The call has completed: no more messages can be written."),
        { } status => new RpcException(status, _trailers!),
    };

    /// <summary>Serializes the single request of a unary or server-streaming call into a pooled frame.</summary>
    public PooledBufferWriter SerializeRequest(TRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var frame = new PooledBufferWriter(GrpcFrame.HeaderSize + 256);
        try
        {
            MessageWriter.Write(frame, request, CompressRequests, _channel.Options.CompressionLevel, _channel.Options.MaxSendMessageSize);
            return frame;
        }
        catch
        {
            frame.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Sends the request and waits for the response headers. When the request was certainly not
    /// processed (no connection, stream refused, connection closed gracefully before any response)
    /// the endpoint leaves rotation and, when <paramref name="canRetry"/>, the call goes to another
    /// one: gRPC's "transparent retry", safe for every call kind.
    /// </summary>
    public async Task StartAsync(Func<HttpContent> createContent, bool canRetry)
    {
        try
        {
            _callCts.Token.ThrowIfCancellationRequested();
            List<Endpoint>? tried = null;
            var attempts = 0;
            HttpRequestException? lastFailure = null;
            while (true)
            {
                Endpoint endpoint;
                try
                {
                    endpoint = _fixedEndpoint ?? await _channel.Balancer.PickAsync(tried, _callCts.Token).ConfigureAwait(false);
                }
                catch (RpcException) when (lastFailure is not null)
                {
                    throw lastFailure;
                }

                _activity ??= GrpcDiagnostics.StartClientActivity(_method.ServiceName, _method.Name, endpoint.Address);
                _request?.Dispose();
                _request = CreateRequest(endpoint, createContent());
                endpoint.CallStarted();
                try
                {
                    _response = await _channel.Invoker.SendAsync(_request, _callCts.Token).ConfigureAwait(false);
                    _endpoint = endpoint;
                    break;
                }
                catch (HttpRequestException ex) when (StatusMapping.IsUnprocessed(ex, out var goingAway) && !_callCts.IsCancellationRequested)
                {
                    endpoint.CallEnded();
                    if (_fixedEndpoint is not null)
                    {
                        throw;
                    }

                    if (goingAway)
                    {
                        _channel.Balancer.ReportTransportFailure(endpoint, ex);
                    }

                    // A refused connection rules the endpoint out for this call; a stream refused by a
                    // server going away may be sent again anywhere (a bounded number of times).
                    if (StatusMapping.IsConnectFailure(ex))
                    {
                        (tried ??= []).Add(endpoint);
                    }

                    lastFailure = ex;
                    if (!canRetry || ++attempts >= MaxAttempts)
                    {
                        throw;
                    }
                }
                catch
                {
                    endpoint.CallEnded();
                    throw;
                }
            }

            if (_fixedEndpoint is null)
            {
                LoadBalancer.ReportSuccess(_endpoint);
            }

            _abortRegistration = _callCts.Token.UnsafeRegister(static state => ((GrpcCall<TRequest, TResponse>)state!).Abort(), this);
            ProcessResponseHeaders(_response);
        }
        catch (Exception ex)
        {
            throw Fail(ex);
        }
    }

    /// <summary>The next response message; null at the end of an OK call. Throws <see cref="RpcException"/> otherwise.</summary>
    public async ValueTask<TResponse?> ReadMessageAsync(CancellationToken cancellationToken)
    {
        if (_status is { } finished)
        {
            return finished.StatusCode == StatusCode.OK ? null : throw new RpcException(finished, _trailers!);
        }

        try
        {
            using var linked = cancellationToken.CanBeCanceled ? CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _callCts.Token) : null;
            var token = linked?.Token ?? _callCts.Token;
            _reader ??= PipeReader.Create(await _response!.Content.ReadAsStreamAsync(token).ConfigureAwait(false), ReaderOptions);
            var message = await MessageReader.ReadAsync(_reader, _method.ResponseParser, _channel.Options.MaxReceiveMessageSize, _responseEncoding, token)
                .ConfigureAwait(false);
            if (message is not null)
            {
                return message;
            }

            var status = FinishFromTrailers(_response!);
            return status.StatusCode == StatusCode.OK ? null : throw new RpcException(status, _trailers!);
        }
        catch (Exception ex)
        {
            if (ex is RpcException rpc && _status == rpc.Status)
            {
                throw;
            }

            throw Fail(ex, cancellationToken);
        }
    }

    /// <summary>Ends the call with a status of our own (e.g. a unary call without its response).</summary>
    public RpcException Fail(Exception error, CancellationToken readToken = default)
    {
        Status status;
        Metadata trailers;
        lock (_gate)
        {
            if (_status is { } existing && existing.StatusCode != StatusCode.OK)
            {
                return new RpcException(existing, _trailers!, error is RpcException ? null : error);
            }

            trailers = new Metadata();
            if (_deadlineCts?.IsCancellationRequested == true)
            {
                status = DeadlineStatus;
            }
            else if (_options.CancellationToken.IsCancellationRequested || readToken.IsCancellationRequested || _disposed)
            {
                status = CancelledStatus;
            }
            else if (error is RpcException rpc)
            {
                status = rpc.Status;
                trailers = rpc.Trailers;
            }
            else if (error is OperationCanceledException)
            {
                status = CancelledStatus;
            }
            else
            {
                status = StatusMapping.FromTransportException(error);
            }

            _status = status;
            _trailers = trailers;
        }

        var exception = new RpcException(status, trailers, error is RpcException ? null : error);
        if (_headers.TrySetException(exception))
        {
            _ = _headers.Task.Exception;
        }

        // Reset the HTTP/2 stream so the server stops working on a call nobody waits for.
        Abort();
        End(exception);
        return exception;
    }

    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
        }

        if (_status is null)
        {
            Fail(new OperationCanceledException("The call was disposed before it finished."));
        }

        _abortRegistration.Dispose();
        _reader?.Complete();
        _response?.Dispose();
        _request?.Dispose();
        _callCts.Dispose();
        _deadlineCts?.Dispose();
    }

    private HttpRequestMessage CreateRequest(Endpoint endpoint, HttpContent content)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, endpoint.GetMethodUri(_method.FullName))
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Content = content,
        };
        var headers = request.Headers;
        // grpcio servers refuse requests without "te: trailers".
        headers.TryAddWithoutValidation(GrpcProtocol.TeHeader, GrpcProtocol.TeTrailers);
        headers.TryAddWithoutValidation("user-agent", UserAgent);
        headers.TryAddWithoutValidation(GrpcProtocol.AcceptEncodingHeader, GrpcProtocol.SupportedEncodings);
        if (endpoint.Authority is not null)
        {
            headers.Host = endpoint.Authority;
        }

        if (CompressRequests)
        {
            headers.TryAddWithoutValidation(GrpcProtocol.EncodingHeader, GrpcProtocol.GzipEncoding);
        }

        if (_options.Deadline is { } deadline && deadline != DateTime.MaxValue)
        {
            headers.TryAddWithoutValidation(GrpcProtocol.TimeoutHeader, GrpcTimeout.Format(deadline.ToUniversalTime() - DateTime.UtcNow));
        }

        var (traceParent, traceState) = GrpcDiagnostics.GetTraceHeaders(_activity);
        if (traceParent is not null)
        {
            headers.TryAddWithoutValidation(GrpcProtocol.TraceParentHeader, traceParent);
            if (!string.IsNullOrEmpty(traceState))
            {
                headers.TryAddWithoutValidation(GrpcProtocol.TraceStateHeader, traceState);
            }
        }

        if (_options.Headers is { } metadata)
        {
            foreach (var entry in metadata)
            {
                headers.TryAddWithoutValidation(entry.Key, MetadataCodec.ToHeaderValue(entry));
            }
        }

        return request;
    }

    private void ProcessResponseHeaders(HttpResponseMessage response)
    {
        var headers = ReadMetadata(response.Headers.NonValidated);
        if (response.StatusCode != HttpStatusCode.OK)
        {
            _headers.TrySetResult(headers);
            var code = (int)response.StatusCode;
            throw new RpcException(new Status(StatusMapping.FromHttpStatus(code), $"Bad gRPC response. HTTP status code: {code}"), headers);
        }

        if (TryGetStatus(response.Headers.NonValidated, out var trailersOnlyStatus))
        {
            // Trailers-Only: the status came in the only HEADERS frame; its metadata are the trailers.
            _headers.TrySetResult(headers);
            Finish(trailersOnlyStatus, headers);
            return;
        }

        var contentType = response.Content.Headers.NonValidated.TryGetValues("Content-Type", out var values) ? values.ToString() : null;
        if (!GrpcProtocol.IsGrpcContentType(contentType))
        {
            _headers.TrySetResult(headers);
            throw new RpcException(new Status(StatusCode.Internal, $"Bad gRPC response. Invalid content-type value: {contentType}"), headers);
        }

        _responseEncoding = response.Headers.NonValidated.TryGetValues(GrpcProtocol.EncodingHeader, out var encoding) ? encoding.ToString() : null;
        _headers.TrySetResult(headers);
    }

    private Status FinishFromTrailers(HttpResponseMessage response)
    {
        var trailers = ReadMetadata(response.TrailingHeaders.NonValidated);
        if (!TryGetStatus(response.TrailingHeaders.NonValidated, out var status))
        {
            status = new Status(StatusCode.Internal, "The response ended without a grpc-status.");
        }

        Finish(status, trailers);
        return status;
    }

    private void Finish(Status status, Metadata trailers)
    {
        lock (_gate)
        {
            if (_status is not null)
            {
                return;
            }

            _status = status;
            _trailers = trailers;
        }

        _abortRegistration.Dispose();
        End(status.StatusCode == StatusCode.OK ? null : new RpcException(status, trailers));
    }

    private void End(RpcException? error)
    {
        var endpoint = Interlocked.Exchange(ref _endpoint, null);
        endpoint?.CallEnded();
        var activity = Interlocked.Exchange(ref _activity, null);
        GrpcDiagnostics.StopActivity(activity, _status?.StatusCode ?? StatusCode.Unknown, isServer: false);
        Interlocked.Exchange(ref _endedCallback, null)?.Invoke(error);
    }

    private void Abort()
    {
        try
        {
            _response?.Dispose();
        }
        catch (Exception)
        {
            // Best effort: the stream may already be gone.
        }
    }

    private static bool TryGetStatus(HttpHeadersNonValidated headers, out Status status)
    {
        status = default;
        if (!headers.TryGetValues(GrpcProtocol.StatusTrailer, out var codeValues))
        {
            return false;
        }

        var message = headers.TryGetValues(GrpcProtocol.MessageTrailer, out var messageValues)
            ? GrpcMessageEncoding.Decode(messageValues.ToString())
            : string.Empty;
        status = int.TryParse(codeValues.ToString(), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var code)
            ? new Status((StatusCode)code, message)
            : new Status(StatusCode.Unknown, $"Invalid grpc-status '{codeValues}'. {message}");
        return true;
    }

    private static Metadata ReadMetadata(HttpHeadersNonValidated headers)
    {
        var metadata = new Metadata();
        foreach (var (name, values) in headers)
        {
            foreach (var value in values)
            {
                MetadataCodec.AddFromHeader(metadata, name, value);
            }
        }

        return metadata;
    }

    private static TimeSpan Clamp(TimeSpan timeout) => timeout > TimeSpan.FromDays(30) ? Timeout.InfiniteTimeSpan : timeout;
}
