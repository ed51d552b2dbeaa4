using System.Net;
using System.Net.Http;

namespace Diffusion.Grpc.Client;

/// <summary>A request body that is one ready-made frame (unary and server-streaming calls).</summary>
internal sealed class FrameContent : HttpContent
{
    private readonly ReadOnlyMemory<byte> _frame;

    public FrameContent(ReadOnlyMemory<byte> frame)
    {
        _frame = frame;
        Headers.TryAddWithoutValidation("Content-Type", GrpcProtocol.ContentType);
    }

    protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) =>
        stream.WriteAsync(_frame).AsTask();

    protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken) =>
        stream.WriteAsync(_frame, cancellationToken).AsTask();

    // No content-length: gRPC bodies are streams of frames and peers do not expect one.
    protected override bool TryComputeLength(out long length)
    {
        length = 0;
        return false;
    }
}

/// <summary>
/// A request body written as the caller goes (duplex calls): SocketsHttpHandler hands us its request
/// stream and returns from SendAsync at the response headers while the body stays open.
/// </summary>
internal sealed class PushContent : HttpContent
{
    private readonly ClientStreamState _state;

    public PushContent(ClientStreamState state)
    {
        _state = state;
        Headers.TryAddWithoutValidation("Content-Type", GrpcProtocol.ContentType);
    }

    protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) =>
        SerializeToStreamAsync(stream, context, CancellationToken.None);

    protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken)
    {
        _state.SetStream(stream);
        // Returning ends the request body (END_STREAM): wait for CompleteAsync or the end of the call.
        await _state.Completion.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    protected override bool TryComputeLength(out long length)
    {
        length = 0;
        return false;
    }
}

/// <summary>The request stream of one duplex call, shared by every attempt's <see cref="PushContent"/>.</summary>
internal sealed class ClientStreamState
{
    private readonly TaskCompletionSource<Stream> _stream = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Task<Stream> Stream => _stream.Task;

    public Task Completion => _completion.Task;

    public void SetStream(Stream stream) => _stream.TrySetResult(stream);

    public void Complete() => _completion.TrySetResult();

    public void Abort(Exception error)
    {
        if (_stream.TrySetException(error))
        {
            _ = _stream.Task.Exception;
        }

        _completion.TrySetResult();
    }
}
