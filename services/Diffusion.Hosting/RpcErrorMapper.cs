using System.Diagnostics;
using System.Globalization;
using Diffusion.Contracts;
using Diffusion.Grpc;
using Diffusion.Grpc.Server;
using Diffusion.Pipelines.Denoising;
using Diffusion.ServiceDefaults.Telemetry;
using Microsoft.Extensions.Logging;

namespace Diffusion.Hosting;

/// <summary>
/// Turns what a handler throws into the gRPC status the caller can act on, and counts every finished
/// call. Rules (the gateway's retry policy relies on them):
/// <list type="bullet">
/// <item><see cref="RpcException"/>: as thrown.</item>
/// <item><see cref="TensorValidationException"/>, any other <see cref="ArgumentException"/> (scheduler
/// configuration included) and <see cref="FormatException"/> (image decoding): INVALID_ARGUMENT with the message.</item>
/// <item><see cref="DenoiseQueueFullException"/>: RESOURCE_EXHAUSTED with the standard
/// <c>grpc-retry-pushback-ms</c> trailer.</item>
/// <item>The engine's out-of-memory error (<see cref="IModelProvider.IsOutOfMemory"/>): RESOURCE_EXHAUSTED.</item>
/// <item><see cref="OperationCanceledException"/> after the call's token fired: rethrown, so the
/// transport answers CANCELLED or DEADLINE_EXCEEDED; otherwise (the service is stopping): UNAVAILABLE.</item>
/// <item>Anything else: logged with its stack, INTERNAL to the caller with a trace id and no internals.</item>
/// </list>
/// </summary>
public sealed class RpcErrorMapper(IModelProvider provider, ILogger<RpcErrorMapper> logger, DiffusionMetrics? metrics = null)
{
    /// <summary>The standard gRPC retry pushback trailer (gRFC A6): milliseconds the client should wait.</summary>
    public const string RetryPushbackTrailer = "grpc-retry-pushback-ms";

    /// <summary>Runs a unary handler body under the mapping.</summary>
    public async Task<TResponse> UnaryAsync<TResponse>(ServerCallContext context, Func<Task<TResponse>> body)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(body);
        try
        {
            var response = await body().ConfigureAwait(false);
            Record(context, StatusCode.OK);
            return response;
        }
        catch (Exception ex) when (Map(ex, context) is { } mapped)
        {
            Record(context, mapped.StatusCode);
            throw mapped;
        }
        catch (OperationCanceledException)
        {
            Record(context, context.Deadline <= DateTime.UtcNow ? StatusCode.DeadlineExceeded : StatusCode.Cancelled);
            throw;
        }
    }

    /// <summary>Runs a server-streaming handler body under the mapping.</summary>
    public async Task StreamingAsync(ServerCallContext context, Func<Task> body)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(body);
        try
        {
            await body().ConfigureAwait(false);
            Record(context, StatusCode.OK);
        }
        catch (Exception ex) when (Map(ex, context) is { } mapped)
        {
            Record(context, mapped.StatusCode);
            throw mapped;
        }
        catch (OperationCanceledException)
        {
            Record(context, context.Deadline <= DateTime.UtcNow ? StatusCode.DeadlineExceeded : StatusCode.Cancelled);
            throw;
        }
    }

    /// <summary>The exception to answer with, or null when <paramref name="error"/> is the call's own
    /// cancellation (left to the transport).</summary>
    public RpcException? Map(Exception error, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(error);
        ArgumentNullException.ThrowIfNull(context);
        switch (error)
        {
            case RpcException rpc:
                return rpc;
            case OperationCanceledException when context.CancellationToken.IsCancellationRequested:
                return null;
            case DenoiseQueueFullException full:
            {
                long ms = Math.Max(1, (long)Math.Ceiling(full.RetryAfter.TotalMilliseconds));
                var trailers = new Metadata().Add(RetryPushbackTrailer, ms.ToString(CultureInfo.InvariantCulture));
                return new RpcException(new Status(StatusCode.ResourceExhausted, Capitalize(full.Message) + "."), trailers);
            }
            case OperationCanceledException:
                return new RpcException(new Status(StatusCode.Unavailable, "The service is shutting down; retry on another replica."));
            case ArgumentException argument:
                return new RpcException(new Status(StatusCode.InvalidArgument, Describe(argument)));
            case FormatException format:
                return new RpcException(new Status(StatusCode.InvalidArgument, format.Message));
        }
        if (provider.IsOutOfMemory(error))
        {
            logger.LogWarning("{Method}: out of memory: {Message}", context.Method, error.Message);
            return new RpcException(new Status(StatusCode.ResourceExhausted,
                "The model ran out of memory for this request; retry later or ask for fewer or smaller images."));
        }
        string traceId = Activity.Current?.TraceId.ToHexString() ?? "none";
        logger.LogError(error, "{Method} failed (trace {TraceId})", context.Method, traceId);
        return new RpcException(new Status(StatusCode.Internal, $"Internal error in {context.Method} (trace {traceId}); see the service log."));
    }

    // ArgumentException.Message appends " (Parameter 'x')" when a parameter name was given: a
    // C# detail that means nothing to a remote caller.
    private static string Describe(ArgumentException error)
    {
        string message = error.Message;
        if (error.ParamName is { } name)
        {
            string suffix = $" (Parameter '{name}')";
            if (message.EndsWith(suffix, StringComparison.Ordinal)) message = message[..^suffix.Length];
        }
        return message;
    }

    private static string Capitalize(string text) => text.Length == 0 ? text : char.ToUpperInvariant(text[0]) + text[1..];

    private void Record(ServerCallContext context, StatusCode code)
    {
        if (metrics is null) return;
        // "/diffusion.v1.Denoiser/Denoise" -> service, method
        string path = context.Method.TrimStart('/');
        int slash = path.IndexOf('/', StringComparison.Ordinal);
        metrics.RecordRequest(slash < 0 ? path : path[..slash], slash < 0 ? "" : path[(slash + 1)..], (int)code);
    }
}
