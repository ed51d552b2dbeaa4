using Diffusion.Grpc.Client;
using Diffusion.Grpc.Server;
using Diffusion.Grpc.Testing;
using Grpc.Testing;
using Microsoft.AspNetCore.Builder;

namespace Diffusion.Grpc.FunctionalTests;

/// <summary>Our client against our server: deadlines, cancellation, errors, limits, compression, duplex.</summary>
public sealed class CallBehaviorTests : IAsyncLifetime
{
    private static readonly Method<SimpleRequest, SimpleResponse> Wait =
        new(MethodType.Unary, "test.Probe", "Wait", SimpleRequest.Parser, SimpleResponse.Parser);
    private static readonly Method<SimpleRequest, SimpleResponse> StreamThenWait =
        new(MethodType.ServerStreaming, "test.Probe", "StreamThenWait", SimpleRequest.Parser, SimpleResponse.Parser);
    private static readonly Method<SimpleRequest, SimpleResponse> Throw =
        new(MethodType.Unary, "test.Probe", "Throw", SimpleRequest.Parser, SimpleResponse.Parser);
    private static readonly Method<SimpleRequest, SimpleResponse> Echo =
        new(MethodType.DuplexStreaming, "test.Probe", "Echo", SimpleRequest.Parser, SimpleResponse.Parser);

    private readonly TaskCompletionSource<ServerCallContext> _started = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _handlerCanceled = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private TestServerHost _server = null!;
    private GrpcChannel _channel = null!;

    public async Task InitializeAsync()
    {
        _server = await TestServerHost.StartAsync(Map, o =>
        {
            o.MaxReceiveMessageSize = 256 * 1024;
            o.ResponseCompression = "gzip";
        });
        _channel = GrpcChannel.ForAddress(_server.Address);
    }

    public async Task DisposeAsync()
    {
        _channel.Dispose();
        await _server.DisposeAsync();
    }

    [Fact]
    public async Task Deadline_PropagatesToHandler_AndClientSeesDeadlineExceeded()
    {
        var deadline = DateTime.UtcNow.AddMilliseconds(500);

        var error = await Assert.ThrowsAsync<RpcException>(() =>
            _channel.CallInvoker.UnaryAsync(Wait, new SimpleRequest(), new CallOptions { Deadline = deadline }));

        Assert.Equal(StatusCode.DeadlineExceeded, error.StatusCode);
        var context = await _started.Task.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.InRange(context.Deadline, deadline.AddMilliseconds(-100), deadline.AddMilliseconds(200));
        await _handlerCanceled.Task.WaitAsync(TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task ClientCancel_MidStream_FiresHandlerToken()
    {
        using var cts = new CancellationTokenSource();
        using var call = _channel.CallInvoker.ServerStreaming(StreamThenWait, new SimpleRequest(), new CallOptions { CancellationToken = cts.Token });

        Assert.True(await call.ResponseStream.MoveNext());
        cts.Cancel();
        var error = await Assert.ThrowsAsync<RpcException>(() => call.ResponseStream.MoveNext());

        Assert.Equal(StatusCode.Cancelled, error.StatusCode);
        await _handlerCanceled.Task.WaitAsync(TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task Dispose_UnfinishedStream_ResetsItAndFiresHandlerToken()
    {
        var call = _channel.CallInvoker.ServerStreaming(StreamThenWait, new SimpleRequest());
        Assert.True(await call.ResponseStream.MoveNext());

        call.Dispose();

        await _handlerCanceled.Task.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.Equal(StatusCode.Cancelled, call.GetStatus().StatusCode);
    }

    [Fact]
    public async Task ExpiredDeadline_FailsWithoutSending()
    {
        var error = await Assert.ThrowsAsync<RpcException>(() =>
            _channel.CallInvoker.UnaryAsync(Wait, new SimpleRequest(), new CallOptions { Deadline = DateTime.UtcNow.AddSeconds(-1) }));

        Assert.Equal(StatusCode.DeadlineExceeded, error.StatusCode);
        Assert.False(_started.Task.IsCompleted);
    }

    [Fact]
    public async Task HandlerException_IsUnknownWithoutInternals()
    {
        var error = await Assert.ThrowsAsync<RpcException>(() => _channel.CallInvoker.UnaryAsync(Throw, new SimpleRequest()));

        Assert.Equal(StatusCode.Unknown, error.StatusCode);
        Assert.Equal("Exception was thrown by handler.", error.Detail);
    }

    [Fact]
    public async Task HandlerException_WithDetailedErrors_CarriesTheMessage()
    {
        await using var server = await TestServerHost.StartAsync(Map, o => o.EnableDetailedErrors = true);
        using var channel = GrpcChannel.ForAddress(server.Address);

        var error = await Assert.ThrowsAsync<RpcException>(() => channel.CallInvoker.UnaryAsync(Throw, new SimpleRequest()));

        Assert.Equal(StatusCode.Unknown, error.StatusCode);
        Assert.Contains("InvalidOperationException: secret internals", error.Detail);
    }

    [Fact]
    public async Task RpcExceptionWithTrailers_ReachesTheClient()
    {
        var request = new SimpleRequest { ResponseStatus = new EchoStatus { Code = (int)StatusCode.FailedPrecondition, Message = "not warmed up" } };

        var error = await Assert.ThrowsAsync<RpcException>(() => _channel.CallInvoker.UnaryAsync(InteropMethods.UnaryCall, request,
            new CallOptions { Headers = new Metadata().Add(InteropTestService.EchoTrailingKey, [1, 2, 3]) }));

        Assert.Equal(StatusCode.FailedPrecondition, error.StatusCode);
        Assert.Equal("not warmed up", error.Detail);
        Assert.Equal(new byte[] { 1, 2, 3 }, error.Trailers.GetValueBytes(InteropTestService.EchoTrailingKey));
    }

    [Fact]
    public async Task RequestOverServerLimit_IsResourceExhausted()
    {
        var request = new SimpleRequest { Payload = new Payload { Body = InteropTestService.Payload(300 * 1024) } };

        var error = await Assert.ThrowsAsync<RpcException>(() => _channel.CallInvoker.UnaryAsync(InteropMethods.UnaryCall, request));

        Assert.Equal(StatusCode.ResourceExhausted, error.StatusCode);
    }

    [Fact]
    public async Task ResponseOverClientLimit_IsResourceExhausted()
    {
        using var channel = GrpcChannel.ForAddress(_server.Address, new GrpcChannelOptions { MaxReceiveMessageSize = 1000 });

        var error = await Assert.ThrowsAsync<RpcException>(() =>
            channel.CallInvoker.UnaryAsync(InteropMethods.UnaryCall, new SimpleRequest { ResponseSize = 2000 }));

        Assert.Equal(StatusCode.ResourceExhausted, error.StatusCode);
    }

    [Fact]
    public async Task RequestOverClientSendLimit_IsResourceExhaustedBeforeSending()
    {
        using var channel = GrpcChannel.ForAddress(_server.Address, new GrpcChannelOptions { MaxSendMessageSize = 100 });

        var error = await Assert.ThrowsAsync<RpcException>(() => channel.CallInvoker.UnaryAsync(Wait,
            new SimpleRequest { Payload = new Payload { Body = InteropTestService.Payload(200) } }));

        Assert.Equal(StatusCode.ResourceExhausted, error.StatusCode);
        Assert.False(_started.Task.IsCompleted);
    }

    [Fact]
    public async Task GzipResponse_WhenServerAllowsIt_IsCompressedOnTheWireAndDecodedByOurClient()
    {
        // Raw: the client offers gzip, the server (ResponseCompression = "gzip") compresses.
        using var raw = Raw.CreateClient();
        var request = Raw.Request(_server.Address, "/grpc.testing.TestService/UnaryCall", Raw.Frame(new SimpleRequest { ResponseSize = 100_000 }));
        request.Headers.TryAddWithoutValidation("grpc-accept-encoding", "identity,gzip");
        using var response = await raw.SendAsync(request);
        var frame = Assert.Single(Raw.Frames(await response.Content.ReadAsByteArrayAsync()));
        Assert.Equal("gzip", response.Headers.GetValues("grpc-encoding").Single());
        Assert.Equal(1, frame.Flag);
        Assert.True(frame.Payload.Length < 10_000);
        Assert.Equal(100_000, SimpleResponse.Parser.ParseFrom(Raw.Gunzip(frame.Payload)).Payload.Body.Length);

        // Without the offer the server does not compress.
        var plain = Raw.Request(_server.Address, "/grpc.testing.TestService/UnaryCall", Raw.Frame(new SimpleRequest { ResponseSize = 10 }));
        using var plainResponse = await raw.SendAsync(plain);
        Assert.Equal(0, Assert.Single(Raw.Frames(await plainResponse.Content.ReadAsByteArrayAsync())).Flag);

        // Our client offers gzip and decodes it.
        var result = await _channel.CallInvoker.UnaryAsync(InteropMethods.UnaryCall, new SimpleRequest { ResponseSize = 100_000 });
        Assert.Equal(100_000, result.Response.Payload.Body.Length);
    }

    [Fact]
    public async Task Duplex_PingPong_InterleavesMessages()
    {
        using var call = _channel.CallInvoker.DuplexStreaming(Echo, CallOptions.WithTimeout(TimeSpan.FromSeconds(30)));

        for (var i = 1; i <= 5; i++)
        {
            await call.RequestStream.WriteAsync(new SimpleRequest { ResponseSize = i });
            Assert.True(await call.ResponseStream.MoveNext());
            Assert.Equal(i, call.ResponseStream.Current.Payload.Body.Length);
        }

        await call.RequestStream.CompleteAsync();
        Assert.False(await call.ResponseStream.MoveNext());
        Assert.Equal(StatusCode.OK, call.GetStatus().StatusCode);
    }

    [Fact]
    public async Task Duplex_WriteAfterServerEndedOk_ThrowsWithoutChangingTheStatus()
    {
        using var call = _channel.CallInvoker.DuplexStreaming(InteropMethods.FullDuplexCall, CallOptions.WithTimeout(TimeSpan.FromSeconds(30)));
        await call.RequestStream.WriteAsync(new StreamingOutputCallRequest());
        await call.RequestStream.CompleteAsync();
        Assert.False(await call.ResponseStream.MoveNext());

        await Assert.ThrowsAsync<InvalidOperationException>(() => call.RequestStream.WriteAsync(new StreamingOutputCallRequest()));
        Assert.Equal(StatusCode.OK, call.GetStatus().StatusCode);
    }

    [Fact]
    public async Task Duplex_WriteAfterServerFailed_ThrowsTheStatus()
    {
        using var call = _channel.CallInvoker.DuplexStreaming(InteropMethods.FullDuplexCall, CallOptions.WithTimeout(TimeSpan.FromSeconds(30)));
        await call.RequestStream.WriteAsync(new StreamingOutputCallRequest { ResponseStatus = new EchoStatus { Code = 9, Message = "stop" } });
        var read = await Assert.ThrowsAsync<RpcException>(() => call.ResponseStream.MoveNext());

        var write = await Assert.ThrowsAsync<RpcException>(() => call.RequestStream.WriteAsync(new StreamingOutputCallRequest()));

        Assert.Equal(StatusCode.FailedPrecondition, read.StatusCode);
        Assert.Equal(StatusCode.FailedPrecondition, write.StatusCode);
    }

    [Fact]
    public async Task UnimplementedMethod_ViaOurClient_IsUnimplemented()
    {
        var error = await Assert.ThrowsAsync<RpcException>(() => _channel.CallInvoker.UnaryAsync(InteropMethods.UnimplementedCall, new Empty()));

        Assert.Equal(StatusCode.Unimplemented, error.StatusCode);
    }

    [Fact]
    public async Task NothingListening_IsUnavailable()
    {
        using var channel = GrpcChannel.ForAddress("http://127.0.0.1:1");

        var error = await Assert.ThrowsAsync<RpcException>(() => channel.CallInvoker.UnaryAsync(InteropMethods.EmptyCall, new Empty()));

        Assert.Equal(StatusCode.Unavailable, error.StatusCode);
        Assert.Equal(EndpointHealth.Unhealthy, Assert.Single(channel.GetEndpointStates()).Health);
    }

    private void Map(WebApplication app)
    {
        new InteropTestService().Map(app);
        app.MapGrpcUnary(Wait, async (_, context) =>
        {
            _started.TrySetResult(context);
            try
            {
                await Task.Delay(Timeout.Infinite, context.CancellationToken);
            }
            catch (OperationCanceledException)
            {
                _handlerCanceled.TrySetResult();
                throw;
            }

            return new SimpleResponse();
        });
        app.MapGrpcServerStreaming(StreamThenWait, async (_, writer, context) =>
        {
            await writer.WriteAsync(new SimpleResponse());
            try
            {
                await Task.Delay(Timeout.Infinite, context.CancellationToken);
            }
            catch (OperationCanceledException)
            {
                _handlerCanceled.TrySetResult();
                throw;
            }
        });
        app.MapGrpcUnary(Throw, (_, _) => throw new InvalidOperationException("secret internals"));
        app.MapGrpcDuplexStreaming(Echo, async (requests, writer, context) =>
        {
            await foreach (var request in requests.ReadAllAsync(context.CancellationToken))
            {
                await writer.WriteAsync(new SimpleResponse { Payload = new Payload { Body = InteropTestService.Payload(request.ResponseSize) } });
            }
        });
    }
}
