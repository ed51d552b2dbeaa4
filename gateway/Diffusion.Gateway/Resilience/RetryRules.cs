using System.Globalization;
using Diffusion.Gateway.Options;
using Diffusion.Grpc;

namespace Diffusion.Gateway.Resilience;

/// <summary>The outcome of one failed attempt: retry after <see cref="Delay"/>, or give up.</summary>
/// <param name="Reason">Why, for the next attempt's span and the logs (e.g. "UNAVAILABLE").</param>
internal readonly record struct RetryDecision(bool Retry, TimeSpan Delay, string Reason);

/// <summary>
/// Which failed calls are retried and after how long, following gRFC A6 (client retries):
/// only statuses that say the request was not processed or may be tried again, the server's
/// grpc-retry-pushback-ms hint overriding the backoff, and never past the deadline.
/// </summary>
internal static class RetryRules
{
    /// <summary>Trailer by which a server asks the client to wait (ms) before retrying, or not to retry (negative).</summary>
    public const string PushbackTrailer = "grpc-retry-pushback-ms";

    /// <summary>No attempt is started with less than this left before the deadline.</summary>
    public static readonly TimeSpan MinimumAttemptBudget = TimeSpan.FromMilliseconds(20);

    /// <summary>Decides about the failure <paramref name="error"/> of attempt <paramref name="retriesSoFar"/>+1.</summary>
    /// <param name="retriesSoFar">Retries already made (0 after the first attempt failed).</param>
    /// <param name="deadline">The call's overall deadline (UTC).</param>
    public static RetryDecision Decide(Exception error, int retriesSoFar, DownstreamOptions options, DateTime deadline, DateTime utcNow, Random random)
    {
        Metadata? trailers;
        string reason;
        bool retryable;
        switch (error)
        {
            case DenoiseStreamBrokenException broken:
                // The checkpointed run resumes elsewhere: safe whatever broke the stream.
                trailers = broken.Error.Trailers;
                reason = (broken.Started ? "failover after " : "") + StatusName(broken.Error.StatusCode);
                retryable = true;
                break;
            case RpcException { StatusCode: StatusCode.Unavailable } rpc:
                trailers = rpc.Trailers;
                reason = "UNAVAILABLE";
                retryable = true;
                break;
            case RpcException { StatusCode: StatusCode.ResourceExhausted } rpc:
                // Overload is retried only when the server says when to come back.
                trailers = rpc.Trailers;
                reason = "RESOURCE_EXHAUSTED";
                retryable = rpc.Trailers.GetValue(PushbackTrailer) is not null;
                break;
            case RpcException rpc:
                return new RetryDecision(false, TimeSpan.Zero, StatusName(rpc.StatusCode) + " is not retried");
            default:
                return new RetryDecision(false, TimeSpan.Zero, error.GetType().Name + " is not retried");
        }

        if (!retryable)
            return new RetryDecision(false, TimeSpan.Zero, reason + " without a retry pushback is not retried");

        TimeSpan delay;
        var pushback = ParsePushback(trailers);
        if (pushback is { } p)
        {
            if (p < TimeSpan.Zero)
                return new RetryDecision(false, TimeSpan.Zero, reason + ": the server asked not to retry");
            delay = p;
            reason += $" (pushback {p.TotalMilliseconds:0} ms)";
        }
        else
        {
            delay = Backoff(retriesSoFar, options.InitialBackoff, options.MaxBackoff, random);
        }

        if (utcNow + delay + MinimumAttemptBudget >= deadline)
            return new RetryDecision(false, delay, reason + ": no time left before the deadline");
        return new RetryDecision(true, delay, reason);
    }

    /// <summary>gRFC A6 backoff with full jitter: the n-th retry waits
    /// random(0, min(initial * 2^(n-1), max)).</summary>
    /// <param name="retriesSoFar">0 for the first retry.</param>
    public static TimeSpan Backoff(int retriesSoFar, TimeSpan initial, TimeSpan max, Random random)
    {
        double ceiling = Math.Min(initial.TotalMilliseconds * Math.Pow(2, Math.Min(retriesSoFar, 30)), max.TotalMilliseconds);
        return TimeSpan.FromMilliseconds(random.NextDouble() * ceiling);
    }

    /// <summary>The pushback hint: null when absent, negative (do not retry) when malformed or negative.</summary>
    public static TimeSpan? ParsePushback(Metadata? trailers)
    {
        if (trailers?.GetValue(PushbackTrailer) is not { } text)
            return null;
        return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int ms)
            ? TimeSpan.FromMilliseconds(ms)
            : TimeSpan.FromMilliseconds(-1);
    }

    /// <summary>Whether a failure says the downstream (not the request) is broken: these count
    /// toward opening its circuit.</summary>
    public static bool IsBreakerFailure(Exception error) => error switch
    {
        DenoiseStreamBrokenException => true,
        RpcException rpc => rpc.StatusCode is StatusCode.Unavailable or StatusCode.Internal or StatusCode.Unknown or StatusCode.DataLoss,
        _ => false,
    };

    /// <summary>Statuses that end a denoising stream which another replica can resume from the
    /// last checkpoint: the replica went away or failed, not the request.</summary>
    public static bool IsFailoverStatus(StatusCode code) =>
        code is StatusCode.Unavailable or StatusCode.Internal or StatusCode.Unknown or StatusCode.Aborted
            or StatusCode.DataLoss or StatusCode.Cancelled;

    /// <summary>The canonical upper-case name of a status code, as gRPC documents write it.</summary>
    public static string StatusName(StatusCode code) => code switch
    {
        StatusCode.OK => "OK",
        StatusCode.Cancelled => "CANCELLED",
        StatusCode.Unknown => "UNKNOWN",
        StatusCode.InvalidArgument => "INVALID_ARGUMENT",
        StatusCode.DeadlineExceeded => "DEADLINE_EXCEEDED",
        StatusCode.NotFound => "NOT_FOUND",
        StatusCode.AlreadyExists => "ALREADY_EXISTS",
        StatusCode.PermissionDenied => "PERMISSION_DENIED",
        StatusCode.ResourceExhausted => "RESOURCE_EXHAUSTED",
        StatusCode.FailedPrecondition => "FAILED_PRECONDITION",
        StatusCode.Aborted => "ABORTED",
        StatusCode.OutOfRange => "OUT_OF_RANGE",
        StatusCode.Unimplemented => "UNIMPLEMENTED",
        StatusCode.Internal => "INTERNAL",
        StatusCode.Unavailable => "UNAVAILABLE",
        StatusCode.DataLoss => "DATA_LOSS",
        StatusCode.Unauthenticated => "UNAUTHENTICATED",
        _ => ((int)code).ToString(CultureInfo.InvariantCulture),
    };
}
