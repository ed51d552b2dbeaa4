using System.Runtime.CompilerServices;

namespace Diffusion.Grpc;

/// <summary>A stream of messages read one at a time (request stream on the server, response stream on the client).</summary>
public interface IAsyncStreamReader<out T>
{
    /// <summary>The message read by the last successful <see cref="MoveNext"/>.</summary>
    T Current { get; }

    /// <summary>Reads the next message; false when the stream ended. Throws <see cref="RpcException"/> on a failed call.</summary>
    Task<bool> MoveNext(CancellationToken cancellationToken = default);
}

/// <summary>The response stream of a server handler.</summary>
public interface IServerStreamWriter<in T>
{
    /// <summary>Writes and flushes one message. Do not call concurrently.</summary>
    Task WriteAsync(T message, CancellationToken cancellationToken = default);
}

/// <summary>The request stream of a client's duplex call.</summary>
public interface IClientStreamWriter<in T>
{
    /// <summary>Writes and flushes one message. Do not call concurrently.</summary>
    Task WriteAsync(T message, CancellationToken cancellationToken = default);

    /// <summary>Ends the request stream (the HTTP/2 END_STREAM flag).</summary>
    Task CompleteAsync();
}

public static class AsyncStreamReaderExtensions
{
    /// <summary>Reads every remaining message.</summary>
    public static async IAsyncEnumerable<T> ReadAllAsync<T>(this IAsyncStreamReader<T> reader,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(reader);
        while (await reader.MoveNext(cancellationToken).ConfigureAwait(false))
        {
            yield return reader.Current;
        }
    }
}
