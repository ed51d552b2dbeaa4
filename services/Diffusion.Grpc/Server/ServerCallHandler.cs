using Diffusion.Grpc.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Net.Http.Headers;

namespace Diffusion.Grpc.Server;

/// <summary>
/// What every call kind shares: request validation (415, 426), the call context, the span, and
/// turning the handler's outcome into a gRPC status.
/// </summary>
internal abstract class ServerCallHandler<TRequest, TResponse>(Method<TRequest, TResponse> method, GrpcServerOptions options, ILogger logger)
    where TRequest : class, Google.Protobuf.IMessage<TRequest>
    where TResponse : class, Google.Protobuf.IMessage<TResponse>
{
    protected Method<TRequest, TResponse> Method { get; } = method;

    public async Task HandleCallAsync(HttpContext httpContext)
    {
        if (!GrpcProtocol.IsGrpcContentType(httpContext.Request.ContentType))
        {
            var contentType = httpContext.Request.ContentType;
            logger.LogDebug("Rejected {Method}: content-type '{ContentType}'", Method.FullName, contentType);
            WriteHttpError(httpContext.Response, StatusCodes.Status415UnsupportedMediaType,
                contentType is null ? "Content-Type is missing from the request." : $"Content-Type '{contentType}' is not supported.");
            return;
        }

        if (!HttpProtocol.IsHttp2(httpContext.Request.Protocol) && !HttpProtocol.IsHttp3(httpContext.Request.Protocol))
        {
            logger.LogDebug("Rejected {Method}: protocol {Protocol}", Method.FullName, httpContext.Request.Protocol);
            WriteHttpError(httpContext.Response, StatusCodes.Status426UpgradeRequired,
                $"Request protocol '{httpContext.Request.Protocol}' is not supported: gRPC needs HTTP/2.");
            httpContext.Response.Headers[HeaderNames.Upgrade] = "HTTP/2";
            return;
        }

        var context = new ServerCallContext(httpContext, Method.FullName, options);
        context.Initialize();
        var activity = GrpcDiagnostics.StartServerActivity(Method.ServiceName, Method.Name,
            httpContext.Request.Headers[GrpcProtocol.TraceParentHeader].ToString() is { Length: > 0 } tp ? tp : null,
            httpContext.Request.Headers[GrpcProtocol.TraceStateHeader].ToString() is { Length: > 0 } ts ? ts : null);
        var code = StatusCode.OK;
        try
        {
            await HandleCoreAsync(context).ConfigureAwait(false);
            var status = context.DeadlineExceeded ? DeadlineExceeded : context.Status;
            code = status.StatusCode;
            if (!context.ClientAborted)
            {
                context.WriteStatus(status, null);
            }
        }
        catch (Exception ex)
        {
            code = ProcessError(context, ex);
        }
        finally
        {
            GrpcDiagnostics.StopActivity(activity, code, isServer: true);
            context.Release();
        }
    }

    protected abstract Task HandleCoreAsync(ServerCallContext context);

    /// <summary>Reads the one request message of a unary or server-streaming call.</summary>
    protected async Task<TRequest> ReadSingleRequestAsync(ServerCallContext context)
    {
        var request = await context.ReadMessageAsync(Method.RequestParser, context.CancellationToken).ConfigureAwait(false)
            ?? throw new RpcException(new Status(StatusCode.Internal, "The request ended without a message."));
        if (await context.ReadMessageAsync(Method.RequestParser, context.CancellationToken).ConfigureAwait(false) is not null)
        {
            throw new RpcException(new Status(StatusCode.Internal, "Additional data after the request message."));
        }

        return request;
    }

    private static readonly Status DeadlineExceeded = new(StatusCode.DeadlineExceeded, "Deadline Exceeded");

    private StatusCode ProcessError(ServerCallContext context, Exception ex)
    {
        Status status;
        Metadata? trailers = null;
        if (context.ClientAborted)
        {
            // The client reset the stream or left: there is no one to tell.
            logger.LogDebug("Call {Method} canceled by the client", Method.FullName);
            return StatusCode.Cancelled;
        }

        if (context.DeadlineExceeded)
        {
            status = DeadlineExceeded;
        }
        else if (ex is RpcException rpc)
        {
            status = rpc.Status;
            trailers = rpc.Trailers;
        }
        else
        {
            logger.LogError(ex, "Handler of {Method} threw", Method.FullName);
            status = new Status(StatusCode.Unknown, options.EnableDetailedErrors
                ? $"Exception was thrown by handler. {ex.GetType().Name}: {ex.Message}"
                : "Exception was thrown by handler.");
        }

        try
        {
            context.WriteStatus(status, trailers);
        }
        catch (Exception writeError) when (writeError is InvalidOperationException or IOException)
        {
            // Trailers can no longer be sent (response already complete): Kestrel resets the stream.
            logger.LogDebug(writeError, "Could not send status {Status} for {Method}", status, Method.FullName);
        }

        return status.StatusCode;
    }

    private static void WriteHttpError(HttpResponse response, int httpStatus, string message)
    {
        // As grpc-dotnet does: an HTTP error for HTTP clients plus a gRPC status for gRPC clients.
        response.StatusCode = httpStatus;
        response.Headers[GrpcProtocol.StatusTrailer] = ((int)StatusCode.Internal).ToString(System.Globalization.CultureInfo.InvariantCulture);
        response.Headers[GrpcProtocol.MessageTrailer] = GrpcMessageEncoding.Encode(message);
    }
}
