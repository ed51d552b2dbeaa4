using Google.Protobuf;

namespace Diffusion.Grpc.Server;

/// <summary>A handler's response stream: each write sends one message and flushes it.</summary>
internal sealed class ResponseStreamWriter<T>(ServerCallContext context) : IServerStreamWriter<T>
    where T : class, IMessage<T>
{
    private int _writing;
    private volatile bool _completed;

    public async Task WriteAsync(T message, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (_completed)
        {
            throw new InvalidOperationException("The call has ended: no more messages can be written.");
        }

        if (Interlocked.Exchange(ref _writing, 1) == 1)
        {
            throw new InvalidOperationException("A write is already in progress: await each WriteAsync before the next.");
        }

        try
        {
            using var linked = cancellationToken.CanBeCanceled
                ? CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, context.CancellationToken)
                : null;
            var token = linked?.Token ?? context.CancellationToken;
            token.ThrowIfCancellationRequested();
            await context.WriteMessageAsync(message, token).ConfigureAwait(false);
        }
        finally
        {
            Volatile.Write(ref _writing, 0);
        }
    }

    public void Complete() => _completed = true;
}

/// <summary>A duplex handler's request stream.</summary>
internal sealed class RequestStreamReader<T>(ServerCallContext context, MessageParser<T> parser) : IAsyncStreamReader<T>
    where T : class, IMessage<T>
{
    private T? _current;
    private bool _ended;

    public T Current => _current ?? throw new InvalidOperationException("MoveNext has not returned true yet.");

    public async Task<bool> MoveNext(CancellationToken cancellationToken = default)
    {
        if (_ended)
        {
            return false;
        }

        using var linked = cancellationToken.CanBeCanceled
            ? CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, context.CancellationToken)
            : null;
        var message = await context.ReadMessageAsync(parser, linked?.Token ?? context.CancellationToken).ConfigureAwait(false);
        if (message is null)
        {
            _ended = true;
            return false;
        }

        _current = message;
        return true;
    }
}
