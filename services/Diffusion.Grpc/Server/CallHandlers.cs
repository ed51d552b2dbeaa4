using Microsoft.Extensions.Logging;

namespace Diffusion.Grpc.Server;

internal sealed class UnaryServerCallHandler<TRequest, TResponse>(
    Method<TRequest, TResponse> method,
    Func<TRequest, ServerCallContext, Task<TResponse>> handler,
    GrpcServerOptions options,
    ILogger logger)
    : ServerCallHandler<TRequest, TResponse>(method, options, logger)
    where TRequest : class, Google.Protobuf.IMessage<TRequest>
    where TResponse : class, Google.Protobuf.IMessage<TResponse>
{
    protected override async Task HandleCoreAsync(ServerCallContext context)
    {
        var request = await ReadSingleRequestAsync(context).ConfigureAwait(false);
        var response = await handler(request, context).ConfigureAwait(false);
        if (context.Status.StatusCode != StatusCode.OK || context.DeadlineExceeded)
        {
            return;
        }

        if (response is null)
        {
            throw new RpcException(new Status(StatusCode.Internal, "The handler returned no response message."));
        }

        await context.WriteMessageAsync(response, context.CancellationToken).ConfigureAwait(false);
    }
}

internal sealed class ServerStreamingServerCallHandler<TRequest, TResponse>(
    Method<TRequest, TResponse> method,
    Func<TRequest, IServerStreamWriter<TResponse>, ServerCallContext, Task> handler,
    GrpcServerOptions options,
    ILogger logger)
    : ServerCallHandler<TRequest, TResponse>(method, options, logger)
    where TRequest : class, Google.Protobuf.IMessage<TRequest>
    where TResponse : class, Google.Protobuf.IMessage<TResponse>
{
    protected override async Task HandleCoreAsync(ServerCallContext context)
    {
        var request = await ReadSingleRequestAsync(context).ConfigureAwait(false);
        var writer = new ResponseStreamWriter<TResponse>(context);
        try
        {
            await handler(request, writer, context).ConfigureAwait(false);
        }
        finally
        {
            writer.Complete();
        }
    }
}

internal sealed class DuplexStreamingServerCallHandler<TRequest, TResponse>(
    Method<TRequest, TResponse> method,
    Func<IAsyncStreamReader<TRequest>, IServerStreamWriter<TResponse>, ServerCallContext, Task> handler,
    GrpcServerOptions options,
    ILogger logger)
    : ServerCallHandler<TRequest, TResponse>(method, options, logger)
    where TRequest : class, Google.Protobuf.IMessage<TRequest>
    where TResponse : class, Google.Protobuf.IMessage<TResponse>
{
    protected override async Task HandleCoreAsync(ServerCallContext context)
    {
        var reader = new RequestStreamReader<TRequest>(context, Method.RequestParser);
        var writer = new ResponseStreamWriter<TResponse>(context);
        try
        {
            await handler(reader, writer, context).ConfigureAwait(false);
        }
        finally
        {
            writer.Complete();
        }
    }
}
