using Diffusion.Grpc;

namespace Diffusion.Hosting;

/// <summary>
/// Holds a service's loaded (and warmed-up) model, or nothing while it loads. Handlers take the model
/// with <see cref="Get"/>; before it is ready they answer UNAVAILABLE, which callers retry. The slot
/// owns the model: it is disposed (when <see cref="IDisposable"/>) with the host's service provider,
/// after the server has drained.
/// </summary>
public sealed class ModelSlot<T> : IDisposable where T : class
{
    private readonly TaskCompletionSource<T> _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _disposed;

    /// <summary>True once the model is loaded and warmed up.</summary>
    public bool IsReady => _ready.Task.IsCompletedSuccessfully;

    /// <summary>Completes with the model when it is ready; faults when loading failed.</summary>
    public Task<T> Ready => _ready.Task;

    /// <summary>The ready model.</summary>
    /// <exception cref="RpcException">UNAVAILABLE: the model is still loading (or failed to).</exception>
    public T Get() => _ready.Task.IsCompletedSuccessfully
        ? _ready.Task.Result
        : throw new RpcException(new Status(StatusCode.Unavailable, "The model is still loading; retry when health reports SERVING."));

    /// <summary>Publishes the ready model (once).</summary>
    public void Set(T model)
    {
        if (!_ready.TrySetResult(model))
            throw new InvalidOperationException("The model slot is already filled.");
        if (Volatile.Read(ref _disposed) != 0)
            (model as IDisposable)?.Dispose();
    }

    internal void Fail(Exception error) => _ready.TrySetException(error);

    /// <summary>Disposes the model if it was loaded.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        if (_ready.Task.IsCompletedSuccessfully)
            (_ready.Task.Result as IDisposable)?.Dispose();
    }
}
