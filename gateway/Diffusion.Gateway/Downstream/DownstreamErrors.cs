using System.Diagnostics;
using Diffusion.Gateway.Resilience;
using Diffusion.Grpc;
using Polly.CircuitBreaker;

namespace Diffusion.Gateway.Downstream;

/// <summary>
/// Turns how a downstream call ended into the status the gateway's client sees: it names the
/// service and says what to do, passes on what the client can act on, and keeps internals
/// (stack traces, downstream internals of INTERNAL/UNKNOWN failures) out.
/// </summary>
internal static class DownstreamErrors
{
    private const int MaxDetailLength = 300;

    public static RpcException ToClientError(string name, string method, Exception error, AttemptLog log, CancellationToken clientToken)
    {
        string attempts = log.Attempts == 1 ? "1 attempt" : $"{log.Attempts} attempts";
        if (clientToken.IsCancellationRequested && error is OperationCanceledException or RpcException { StatusCode: StatusCode.Cancelled })
            return new RpcException(new Status(StatusCode.Cancelled, "The call was canceled by the client."));

        switch (error)
        {
            case BrokenCircuitException broken:
            {
                var trailers = new Metadata();
                string when = "";
                if (broken.RetryAfter is { } after && after > TimeSpan.Zero)
                {
                    trailers.Add(RetryRules.PushbackTrailer, ((long)Math.Ceiling(after.TotalMilliseconds)).ToString(System.Globalization.CultureInfo.InvariantCulture));
                    when = $"; retry in {after.TotalSeconds:0.#} s";
                }
                return new RpcException(new Status(StatusCode.Unavailable,
                    $"{name} unavailable: its circuit breaker is open after repeated failures{when}"), trailers);
            }
            case DenoiseStreamBrokenException { Started: false } broken:
                return FromStatus(name, method, broken.Error, attempts, log);
            case DenoiseStreamBrokenException broken:
                return new RpcException(new Status(StatusCode.Unavailable,
                    $"{name} unavailable after {attempts}: the stream broke after step {broken.StepsDone} " +
                    $"({RetryRules.StatusName(broken.Error.StatusCode)}: {Clip(broken.Error.Status.Detail)})"));
            case RpcException rpc:
                return FromStatus(name, method, rpc, attempts, log);
            case OperationCanceledException:
                return new RpcException(new Status(StatusCode.DeadlineExceeded, $"Deadline exceeded while calling the {name}."));
            default:
                return new RpcException(new Status(StatusCode.Internal, $"The call to the {name} failed{TraceSuffix()}."));
        }
    }

    private static RpcException FromStatus(string name, string method, RpcException rpc, string attempts, AttemptLog log)
    {
        string detail = Clip(rpc.Status.Detail);
        string code = RetryRules.StatusName(rpc.StatusCode);
        switch (rpc.StatusCode)
        {
            case StatusCode.Unavailable:
            case StatusCode.Cancelled:
            {
                string why = log.GaveUpBecause is { } g && g.Contains("deadline", StringComparison.Ordinal) ? " (no time left before the deadline for another)" : "";
                return new RpcException(new Status(StatusCode.Unavailable, $"{name} unavailable after {attempts}{why}: {detail}"));
            }
            case StatusCode.DeadlineExceeded:
                return new RpcException(new Status(StatusCode.DeadlineExceeded, $"Deadline exceeded waiting for the {name} (after {attempts})."));
            case StatusCode.ResourceExhausted:
            {
                var trailers = new Metadata();
                if (rpc.Trailers.GetValue(RetryRules.PushbackTrailer) is { } pushback)
                    trailers.Add(RetryRules.PushbackTrailer, pushback);
                return new RpcException(new Status(StatusCode.ResourceExhausted, $"{name} is overloaded (after {attempts}): {detail}"), trailers);
            }
            case StatusCode.InvalidArgument:
            case StatusCode.FailedPrecondition:
            case StatusCode.OutOfRange:
            case StatusCode.NotFound:
                return new RpcException(new Status(rpc.StatusCode, $"{name} rejected the request: {detail}"));
            case StatusCode.Unauthenticated:
            case StatusCode.PermissionDenied:
                return new RpcException(new Status(StatusCode.Internal, $"The gateway is not allowed to call the {name} ({code}); check the gateway's configuration."));
            case StatusCode.Unimplemented:
                return new RpcException(new Status(StatusCode.FailedPrecondition, $"The {name} does not implement {method}; check the gateway's address for it."));
            default:
                // INTERNAL, UNKNOWN, DATA_LOSS, ABORTED: the downstream's own detail may carry internals.
                return new RpcException(new Status(StatusCode.Internal, $"The {name} failed ({code}){TraceSuffix()}."));
        }
    }

    private static string TraceSuffix() =>
        Activity.Current is { } a ? $"; trace id {a.TraceId.ToHexString()}" : "";

    private static string Clip(string detail) =>
        detail.Length <= MaxDetailLength ? detail : detail[..MaxDetailLength] + "...";
}
