using Diffusion.Gateway.Options;
using Microsoft.Extensions.Logging;
using Polly;
using Polly.CircuitBreaker;
using Polly.Retry;

namespace Diffusion.Gateway.Resilience;

/// <summary>
/// The Polly v8 pipeline of one downstream service: retry (outer) around a circuit breaker
/// (inner), so every attempt is seen by the breaker and an open circuit fails the call at once
/// instead of being retried.
/// </summary>
internal static class DownstreamPipeline
{
    /// <param name="name">The downstream's name in messages and logs, e.g. "denoiser".</param>
    /// <param name="breakerState">Receives the breaker's state, for readiness and tests.</param>
    public static ResiliencePipeline Create(string name, DownstreamOptions options, CircuitBreakerStateProvider breakerState,
        ILogger logger, TimeProvider time)
    {
        var builder = new ResiliencePipelineBuilder { Name = name, TimeProvider = time };
        if (options.MaxAttempts > 1)
        {
            builder.AddRetry(new RetryStrategyOptions
            {
                MaxRetryAttempts = options.MaxAttempts - 1,
                ShouldHandle = args =>
                {
                    if (args.Outcome.Exception is not { } error || !args.Context.Properties.TryGetValue(AttemptLog.Key, out var log))
                        return ValueTask.FromResult(false);
                    var decision = RetryRules.Decide(error, args.AttemptNumber, options, log.Deadline, time.GetUtcNow().UtcDateTime, Random.Shared);
                    log.NextDelay = decision.Delay;
                    if (decision.Retry)
                        log.Reason = decision.Reason;
                    else
                        log.GaveUpBecause = decision.Reason;
                    return ValueTask.FromResult(decision.Retry);
                },
                // The delay was chosen with the decision (pushback or backoff, checked against the deadline).
                DelayGenerator = args => ValueTask.FromResult<TimeSpan?>(
                    args.Context.Properties.TryGetValue(AttemptLog.Key, out var log) ? log.NextDelay : null),
                OnRetry = args =>
                {
                    if (args.Outcome.Exception is DenoiseStreamBrokenException { Started: true } && args.Context.Properties.TryGetValue(AttemptLog.Key, out var log))
                        log.Failovers++;
                    logger.LogWarning("{Downstream} attempt {Attempt} failed ({Reason}); retrying in {DelayMs:0} ms",
                        name, args.AttemptNumber + 1, args.Outcome.Exception?.Message, args.RetryDelay.TotalMilliseconds);
                    return ValueTask.CompletedTask;
                },
            });
        }

        // Polly's breaker counts failures in a sliding window; a failure ratio of 1 with a minimum
        // throughput of N opens it once N calls in the window have failed and none succeeded.
        builder.AddCircuitBreaker(new CircuitBreakerStrategyOptions
        {
            FailureRatio = 1.0,
            MinimumThroughput = options.BreakerFailureThreshold,
            SamplingDuration = options.BreakerSamplingDuration,
            BreakDuration = options.BreakerBreakDuration,
            StateProvider = breakerState,
            ShouldHandle = args => ValueTask.FromResult(args.Outcome.Exception is { } e && RetryRules.IsBreakerFailure(e)),
            OnOpened = args =>
            {
                logger.LogError("{Downstream} circuit opened for {BreakSeconds:0.#} s after {Failures} failed calls: {Error}",
                    name, args.BreakDuration.TotalSeconds, options.BreakerFailureThreshold, args.Outcome.Exception?.Message);
                return ValueTask.CompletedTask;
            },
            OnHalfOpened = _ =>
            {
                logger.LogInformation("{Downstream} circuit half-open: the next call probes it", name);
                return ValueTask.CompletedTask;
            },
            OnClosed = _ =>
            {
                logger.LogInformation("{Downstream} circuit closed: calls flow again", name);
                return ValueTask.CompletedTask;
            },
        });
        return builder.Build();
    }
}
