using Diffusion.Grpc.Server;
using Google.Protobuf;
using Grpc.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;

namespace Diffusion.Grpc.Testing;

/// <summary>
/// The standard interop TestService on our server: payloads of zeros of the asked sizes, the asked
/// status, and the echo of x-grpc-test-echo-initial (as a header) and x-grpc-test-echo-trailing-bin
/// (as a trailer). Counts the calls whose cancellation token fired, so tests can see a client's
/// cancel or deadline reach the handler.
/// </summary>
public sealed class InteropTestService
{
    public const string EchoInitialKey = "x-grpc-test-echo-initial";
    public const string EchoTrailingKey = "x-grpc-test-echo-trailing-bin";

    // Responses wrap slices of one zero buffer (no per-call payload allocation).
    private static readonly byte[] Zeros = new byte[8 * 1024 * 1024];
    private int _cancellations;

    /// <summary>Calls whose handler saw its cancellation token fire (client cancel or deadline).</summary>
    public int CancellationsObserved => Volatile.Read(ref _cancellations);

    public void Map(IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGrpcUnary(InteropMethods.EmptyCall, (_, _) => Task.FromResult(new Empty()));
        endpoints.MapGrpcUnary(InteropMethods.UnaryCall, UnaryCallAsync);
        endpoints.MapGrpcServerStreaming(InteropMethods.StreamingOutputCall, StreamingOutputCallAsync);
        endpoints.MapGrpcDuplexStreaming(InteropMethods.FullDuplexCall, FullDuplexCallAsync);
    }

    /// <summary>Waits until at least <paramref name="count"/> cancellations were observed.</summary>
    public async Task<bool> WaitForCancellationsAsync(int count, TimeSpan timeout)
    {
        var until = DateTime.UtcNow + timeout;
        while (CancellationsObserved < count)
        {
            if (DateTime.UtcNow > until)
            {
                return false;
            }

            await Task.Delay(20);
        }

        return true;
    }

    public static ByteString Payload(int size) =>
        size <= Zeros.Length ? UnsafeByteOperations.UnsafeWrap(Zeros.AsMemory(0, size)) : ByteString.CopyFrom(new byte[size]);

    private async Task<SimpleResponse> UnaryCallAsync(SimpleRequest request, ServerCallContext context)
    {
        await EchoMetadataAsync(context);
        if (request.ExpectCompressed?.Value == true
            && context.GetHttpContext().Request.Headers["grpc-encoding"].ToString() != "gzip")
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, "Expected a compressed request."));
        }

        ThrowIfStatusRequested(request.ResponseStatus);
        return new SimpleResponse { Payload = new Payload { Body = Payload(request.ResponseSize) } };
    }

    private static async Task StreamingOutputCallAsync(StreamingOutputCallRequest request,
        IServerStreamWriter<StreamingOutputCallResponse> writer, ServerCallContext context)
    {
        await EchoMetadataAsync(context);
        foreach (var parameters in request.ResponseParameters)
        {
            if (parameters.IntervalUs > 0)
            {
                await Task.Delay(TimeSpan.FromMicroseconds(parameters.IntervalUs), context.CancellationToken);
            }

            await writer.WriteAsync(new StreamingOutputCallResponse { Payload = new Payload { Body = Payload(parameters.Size) } });
        }

        ThrowIfStatusRequested(request.ResponseStatus);
    }

    private async Task FullDuplexCallAsync(IAsyncStreamReader<StreamingOutputCallRequest> requests,
        IServerStreamWriter<StreamingOutputCallResponse> writer, ServerCallContext context)
    {
        using var registration = context.CancellationToken.Register(() => Interlocked.Increment(ref _cancellations));
        await EchoMetadataAsync(context);
        while (await requests.MoveNext())
        {
            var request = requests.Current;
            ThrowIfStatusRequested(request.ResponseStatus);
            foreach (var parameters in request.ResponseParameters)
            {
                if (parameters.IntervalUs > 0)
                {
                    await Task.Delay(TimeSpan.FromMicroseconds(parameters.IntervalUs), context.CancellationToken);
                }

                await writer.WriteAsync(new StreamingOutputCallResponse { Payload = new Payload { Body = Payload(parameters.Size) } });
            }
        }
    }

    private static async Task EchoMetadataAsync(ServerCallContext context)
    {
        if (context.RequestHeaders.GetValue(EchoInitialKey) is { } initial)
        {
            await context.WriteResponseHeadersAsync(new Metadata().Add(EchoInitialKey, initial));
        }

        if (context.RequestHeaders.GetValueBytes(EchoTrailingKey) is { } trailing)
        {
            context.ResponseTrailers.Add(EchoTrailingKey, trailing);
        }
    }

    private static void ThrowIfStatusRequested(EchoStatus? status)
    {
        if (status is { Code: not 0 })
        {
            throw new RpcException(new Status((StatusCode)status.Code, status.Message));
        }
    }
}
