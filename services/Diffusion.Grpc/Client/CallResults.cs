using Diffusion.Grpc.Framing;
using Google.Protobuf;

namespace Diffusion.Grpc.Client;

/// <summary>The outcome of an OK unary call.</summary>
public sealed record UnaryResult<TResponse>(TResponse Response, Metadata ResponseHeaders, Metadata Trailers);

/// <summary>A server-streaming call in progress.</summary>
public sealed class ServerStreamingCall<TResponse> : IDisposable
{
    private readonly ICallReader<TResponse> _reader;
    private readonly Action _dispose;

    internal ServerStreamingCall(ICallReader<TResponse> reader, Action dispose)
    {
        _reader = reader;
        _dispose = dispose;
    }

    /// <summary>The responses; MoveNext throws <see cref="RpcException"/> if the call fails.</summary>
    public IAsyncStreamReader<TResponse> ResponseStream => _reader;

    /// <summary>The server's response headers (custom metadata only).</summary>
    public Task<Metadata> ResponseHeadersAsync => _reader.ResponseHeadersAsync;

    public IAsyncEnumerable<TResponse> ReadAllAsync(CancellationToken cancellationToken = default) => _reader.ReadAllAsync(cancellationToken);

    /// <summary>The final status; only once the responses were read to the end (or the call failed).</summary>
    public Status GetStatus() => _reader.GetStatus();

    public Metadata GetTrailers() => _reader.GetTrailers();

    /// <summary>Releases the call; one still running is canceled (CANCELLED, stream reset).</summary>
    public void Dispose() => _dispose();
}

/// <summary>A duplex call in progress.</summary>
public sealed class DuplexStreamingCall<TRequest, TResponse> : IDisposable
{
    private readonly ICallReader<TResponse> _reader;
    private readonly Action _dispose;

    internal DuplexStreamingCall(IClientStreamWriter<TRequest> writer, ICallReader<TResponse> reader, Action dispose)
    {
        RequestStream = writer;
        _reader = reader;
        _dispose = dispose;
    }

    public IClientStreamWriter<TRequest> RequestStream { get; }

    public IAsyncStreamReader<TResponse> ResponseStream => _reader;

    public Task<Metadata> ResponseHeadersAsync => _reader.ResponseHeadersAsync;

    public IAsyncEnumerable<TResponse> ReadAllAsync(CancellationToken cancellationToken = default) => _reader.ReadAllAsync(cancellationToken);

    public Status GetStatus() => _reader.GetStatus();

    public Metadata GetTrailers() => _reader.GetTrailers();

    /// <summary>Releases the call; one still running is canceled (CANCELLED, stream reset).</summary>
    public void Dispose() => _dispose();
}

internal interface ICallReader<out TResponse> : IAsyncStreamReader<TResponse>
{
    Task<Metadata> ResponseHeadersAsync { get; }

    Status GetStatus();

    Metadata GetTrailers();
}

/// <summary>The response side of a streaming call: waits for the start, then reads frames.</summary>
internal sealed class CallReader<TRequest, TResponse>(GrpcCall<TRequest, TResponse> call, Task start) : ICallReader<TResponse>
    where TRequest : class, IMessage<TRequest>
    where TResponse : class, IMessage<TResponse>
{
    private TResponse? _current;

    public TResponse Current => _current ?? throw new InvalidOperationException("MoveNext has not returned true yet.");

    public Task<Metadata> ResponseHeadersAsync => call.ResponseHeadersAsync;

    public async Task<bool> MoveNext(CancellationToken cancellationToken = default)
    {
        await start.ConfigureAwait(false);
        _current = await call.ReadMessageAsync(cancellationToken).ConfigureAwait(false);
        return _current is not null;
    }

    public Status GetStatus() => call.GetStatus();

    public Metadata GetTrailers() => call.GetTrailers();
}

/// <summary>The request side of a duplex call.</summary>
internal sealed class ClientStreamWriter<TRequest, TResponse> : IClientStreamWriter<TRequest>
    where TRequest : class, IMessage<TRequest>
    where TResponse : class, IMessage<TResponse>
{
    private readonly GrpcCall<TRequest, TResponse> _call;
    private int _writing;
    private bool _completed;

    public ClientStreamWriter(GrpcCall<TRequest, TResponse> call)
    {
        _call = call;
        // When the call ends (status, reset, deadline, dispose) pending and later writes stop.
        call.OnEnded(error => State.Abort((Exception?)error ?? new InvalidOperationException("The call has completed: no more messages can be written.")));
    }

    public ClientStreamState State { get; } = new();

    public async Task WriteAsync(TRequest message, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (_completed)
        {
            throw new InvalidOperationException("The request stream was completed: no more messages can be written.");
        }

        if (Interlocked.Exchange(ref _writing, 1) == 1)
        {
            throw new InvalidOperationException("A write is already in progress: await each WriteAsync before the next.");
        }

        try
        {
            if (_call.GetEndedError() is { } ended)
            {
                throw ended;
            }

            using var linked = cancellationToken.CanBeCanceled ? CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _call.CallToken) : null;
            var token = linked?.Token ?? _call.CallToken;
            var stream = await State.Stream.WaitAsync(token).ConfigureAwait(false);
            using var frame = new PooledBufferWriter(GrpcFrame.HeaderSize + 256);
            MessageWriter.Write(frame, message, _call.CompressRequests, _call.ChannelOptions.CompressionLevel, _call.ChannelOptions.MaxSendMessageSize);
            await stream.WriteAsync(frame.WrittenMemory, token).ConfigureAwait(false);
            await stream.FlushAsync(token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not RpcException && (ex is not InvalidOperationException || ex is ObjectDisposedException))
        {
            // The call may have ended while we wrote: report how it ended rather than the stream's error.
            throw _call.GetEndedError() ?? _call.Fail(ex, cancellationToken);
        }
        finally
        {
            Volatile.Write(ref _writing, 0);
        }
    }

    public Task CompleteAsync()
    {
        _completed = true;
        State.Complete();
        return Task.CompletedTask;
    }
}
