using Diffusion.Contracts.Rpc;
using Diffusion.Contracts.V1;
using Diffusion.Gateway.Resilience;
using Diffusion.Grpc;
using Diffusion.Grpc.Client;

namespace Diffusion.Gateway.Downstream;

/// <summary>The end of a denoising run as the gateway saw it.</summary>
/// <param name="Failovers">Times the stream broke and the run resumed on another replica.</param>
/// <param name="Attempts">Denoise calls made (the first included).</param>
internal sealed record DenoiseOutcome(DenoiseResult Result, int Failovers, int Attempts);

/// <summary>
/// Runs Denoiser.Denoise with failover without loss: the request asks for a checkpoint after
/// every step, the last one received is kept, and when the stream breaks (replica killed,
/// connection reset, UNAVAILABLE) the same request (same seed, every original field) is sent
/// again with <c>resume</c> = that checkpoint. The transport's balancer picks the replica (fewest
/// calls in flight, failed replicas skipped), so the resumed run lands on a live one; the
/// denoiser contract makes the resumed result equal the uninterrupted one bit for bit.
/// </summary>
internal sealed class DenoiseRunner(DownstreamService denoiser)
{
    /// <param name="request">The complete request; it is not modified (resumes send a clone).</param>
    /// <param name="onProgress">Called for every progress event, in order, on the calling flow.</param>
    /// <exception cref="RpcException">The client-facing status when the run could not finish.</exception>
    public async Task<DenoiseOutcome> RunAsync(DenoiseRequest request, DateTime deadline, Func<Progress, Task>? onProgress,
        CancellationToken cancellationToken)
    {
        var log = new AttemptLog(deadline);
        Checkpoint? last = null;
        // A resumed run repeats the steps after its checkpoint: their progress went out already.
        int progressSent = 0;
        var result = await denoiser.ExecuteAsync(DenoiserMethods.Denoise.Name, log, async (_, token) =>
        {
            var attemptRequest = request;
            if (last is not null)
            {
                attemptRequest = request.Clone();
                attemptRequest.Resume = last;
            }

            using var call = denoiser.Channel.CallInvoker.ServerStreaming(DenoiserMethods.Denoise, attemptRequest,
                new CallOptions { Deadline = deadline, CancellationToken = token });
            bool started = false;
            try
            {
                while (await call.ResponseStream.MoveNext(token).ConfigureAwait(false))
                {
                    started = true;
                    var ev = call.ResponseStream.Current;
                    switch (ev.EventCase)
                    {
                        case DenoiseEvent.EventOneofCase.Checkpoint:
                            last = ev.Checkpoint;
                            break;
                        case DenoiseEvent.EventOneofCase.Progress when onProgress is not null && ev.Progress.Step > progressSent:
                            progressSent = ev.Progress.Step;
                            await onProgress(ev.Progress).ConfigureAwait(false);
                            break;
                        case DenoiseEvent.EventOneofCase.Result:
                            await DrainAsync(call, token).ConfigureAwait(false);
                            return ev.Result;
                    }
                }
            }
            catch (RpcException ex) when (RetryRules.IsFailoverStatus(ex.StatusCode) && !token.IsCancellationRequested)
            {
                // A run is deterministic and side-effect free: whatever broke the replica's stream
                // (reset, INTERNAL, UNAVAILABLE), running it again elsewhere is safe. A replica
                // killed before its first message arrived resets the stream with INTERNAL_ERROR.
                throw new DenoiseStreamBrokenException(ex, last?.Step ?? 0, started);
            }

            throw new RpcException(new Status(StatusCode.Internal, "the denoiser ended its stream without a result"));
        }, cancellationToken).ConfigureAwait(false);
        return new DenoiseOutcome(result, log.Failovers, log.Attempts);
    }

    private static readonly TimeSpan DrainTimeout = TimeSpan.FromSeconds(1);

    /// <summary>Reads the end of the stream after the result (briefly), so the call usually ends
    /// with the server's status rather than a reset; how it ends no longer matters.</summary>
    private static async Task DrainAsync(ServerStreamingCall<DenoiseEvent> call, CancellationToken token)
    {
        using var drain = CancellationTokenSource.CreateLinkedTokenSource(token);
        drain.CancelAfter(DrainTimeout);
        try
        {
            while (await call.ResponseStream.MoveNext(drain.Token).ConfigureAwait(false))
            {
            }
        }
        catch (Exception ex) when (ex is RpcException or OperationCanceledException)
        {
            // The result is in hand.
        }
    }
}
