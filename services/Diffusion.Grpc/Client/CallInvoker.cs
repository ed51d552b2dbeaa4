using Google.Protobuf;

namespace Diffusion.Grpc.Client;

/// <summary>Starts calls on a <see cref="GrpcChannel"/>.</summary>
public sealed class CallInvoker
{
    private readonly GrpcChannel _channel;

    internal CallInvoker(GrpcChannel channel) => _channel = channel;

    /// <summary>A unary call. Throws <see cref="RpcException"/> unless the server answered OK.</summary>
    public Task<UnaryResult<TResponse>> UnaryAsync<TRequest, TResponse>(Method<TRequest, TResponse> method, TRequest request,
        CallOptions options = default)
        where TRequest : class, IMessage<TRequest>
        where TResponse : class, IMessage<TResponse>
    {
        CheckType(method, MethodType.Unary);
        return UnaryCoreAsync(null, method, request, options);
    }

    /// <summary>A server-streaming call. Dispose the result to cancel the call if it is not read to the end.</summary>
    public ServerStreamingCall<TResponse> ServerStreaming<TRequest, TResponse>(Method<TRequest, TResponse> method, TRequest request,
        CallOptions options = default)
        where TRequest : class, IMessage<TRequest>
        where TResponse : class, IMessage<TResponse>
    {
        CheckType(method, MethodType.ServerStreaming);
        var call = new GrpcCall<TRequest, TResponse>(_channel, method, options);
        PooledFrame? frame = null;
        Task start;
        try
        {
            frame = new PooledFrame(call.SerializeRequest(request));
            call.OnEnded(_ => frame.Release());
            start = call.StartAsync(frame.CreateContent, canRetry: true);
        }
        catch
        {
            frame?.Release();
            call.Dispose();
            throw;
        }

        return new ServerStreamingCall<TResponse>(new CallReader<TRequest, TResponse>(call, start), call.Dispose);
    }

    /// <summary>A duplex call: write requests on <see cref="DuplexStreamingCall{TRequest, TResponse}.RequestStream"/>, read responses as they come.</summary>
    public DuplexStreamingCall<TRequest, TResponse> DuplexStreaming<TRequest, TResponse>(Method<TRequest, TResponse> method,
        CallOptions options = default)
        where TRequest : class, IMessage<TRequest>
        where TResponse : class, IMessage<TResponse>
    {
        CheckType(method, MethodType.DuplexStreaming);
        var call = new GrpcCall<TRequest, TResponse>(_channel, method, options);
        var writer = new ClientStreamWriter<TRequest, TResponse>(call);
        // The request stream is not buffered, so a failed connection (nothing sent yet) can still move to another endpoint.
        var start = call.StartAsync(() => new PushContent(writer.State), canRetry: true);
        return new DuplexStreamingCall<TRequest, TResponse>(writer, new CallReader<TRequest, TResponse>(call, start), call.Dispose);
    }

    internal Task<UnaryResult<TResponse>> UnaryOnEndpointAsync<TRequest, TResponse>(Endpoint endpoint, Method<TRequest, TResponse> method,
        TRequest request, CallOptions options)
        where TRequest : class, IMessage<TRequest>
        where TResponse : class, IMessage<TResponse> =>
        UnaryCoreAsync(endpoint, method, request, options);

    private async Task<UnaryResult<TResponse>> UnaryCoreAsync<TRequest, TResponse>(Endpoint? endpoint, Method<TRequest, TResponse> method,
        TRequest request, CallOptions options)
        where TRequest : class, IMessage<TRequest>
        where TResponse : class, IMessage<TResponse>
    {
        using var call = new GrpcCall<TRequest, TResponse>(_channel, method, options, endpoint);
        using var frame = call.SerializeRequest(request);
        await call.StartAsync(() => new FrameContent(frame.WrittenMemory), canRetry: true).ConfigureAwait(false);
        var response = await call.ReadMessageAsync(default).ConfigureAwait(false)
            ?? throw call.Fail(new RpcException(new Status(StatusCode.Internal, "The server ended a unary call with OK but no response message.")));
        if (await call.ReadMessageAsync(default).ConfigureAwait(false) is not null)
        {
            throw call.Fail(new RpcException(new Status(StatusCode.Internal, "The server sent more than one response message for a unary call.")));
        }

        return new UnaryResult<TResponse>(response, await call.ResponseHeadersAsync.ConfigureAwait(false), call.GetTrailers());
    }

    private static void CheckType<TRequest, TResponse>(Method<TRequest, TResponse> method, MethodType expected)
        where TRequest : class, IMessage<TRequest>
        where TResponse : class, IMessage<TResponse>
    {
        ArgumentNullException.ThrowIfNull(method);
        if (method.Type != expected)
        {
            throw new ArgumentException($"{method.FullName} is a {method.Type} method, not {expected}.", nameof(method));
        }
    }

    /// <summary>A serialized request shared by every attempt of a call, returned to the pool once the call ends.</summary>
    private sealed class PooledFrame(Framing.PooledBufferWriter buffer)
    {
        private int _released;

        public System.Net.Http.HttpContent CreateContent() => new FrameContent(buffer.WrittenMemory);

        public void Release()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
            {
                buffer.Dispose();
            }
        }
    }
}
