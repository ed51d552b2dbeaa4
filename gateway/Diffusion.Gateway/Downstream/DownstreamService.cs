using Diffusion.Gateway.Options;
using Diffusion.Gateway.Resilience;
using Diffusion.Gateway.Telemetry;
using Diffusion.Grpc;
using Diffusion.Grpc.Client;
using Google.Protobuf;
using Microsoft.Extensions.Logging;
using Polly;
using Polly.CircuitBreaker;

namespace Diffusion.Gateway.Downstream;

/// <summary>
/// One downstream service as the gateway calls it: its channel (one or many endpoints), its
/// resilience pipeline, and the mapping of its failures to client statuses.
/// </summary>
internal sealed class DownstreamService : IDisposable
{
    private readonly ResiliencePipeline _pipeline;

    public DownstreamService(string name, string serviceName, GrpcChannel channel, DownstreamOptions options, ILogger logger, TimeProvider time)
    {
        Name = name;
        ServiceName = serviceName;
        Channel = channel;
        Options = options;
        _pipeline = DownstreamPipeline.Create(name, options, Breaker, logger, time);
    }

    /// <summary>Name in messages, e.g. "denoiser".</summary>
    public string Name { get; }

    /// <summary>The gRPC service, e.g. "diffusion.v1.Denoiser".</summary>
    public string ServiceName { get; }

    public GrpcChannel Channel { get; }

    public DownstreamOptions Options { get; }

    /// <summary>The circuit breaker's state (closed, open, half-open).</summary>
    public CircuitBreakerStateProvider Breaker { get; } = new();

    /// <summary>A unary call with retries and the breaker; every attempt carries <paramref name="deadline"/>.</summary>
    /// <exception cref="RpcException">The client-facing status when the call finally failed.</exception>
    public Task<TResponse> UnaryAsync<TRequest, TResponse>(Method<TRequest, TResponse> method, TRequest request, DateTime deadline,
        CancellationToken cancellationToken)
        where TRequest : class, IMessage<TRequest>
        where TResponse : class, IMessage<TResponse> =>
        ExecuteAsync(method.Name, new AttemptLog(deadline), async (_, token) =>
        {
            var result = await Channel.CallInvoker.UnaryAsync(method, request,
                new CallOptions { Deadline = deadline, CancellationToken = token }).ConfigureAwait(false);
            return result.Response;
        }, cancellationToken);

    /// <summary>
    /// Runs <paramref name="attempt"/> under the pipeline: one span per attempt, retries per
    /// <see cref="RetryRules"/>, failures mapped by <see cref="DownstreamErrors"/>.
    /// </summary>
    public async Task<T> ExecuteAsync<T>(string method, AttemptLog log, Func<AttemptLog, CancellationToken, Task<T>> attempt,
        CancellationToken cancellationToken)
    {
        var context = ResilienceContextPool.Shared.Get(cancellationToken);
        context.Properties.Set(AttemptLog.Key, log);
        try
        {
            return await _pipeline.ExecuteAsync(static async (ctx, state) =>
            {
                var (self, method, log, attempt) = state;
                log.Attempts++;
                using var span = GatewayTelemetry.StartAttempt(self.Name, self.ServiceName, method, log.Attempts, log.Reason);
                try
                {
                    return await attempt(log, ctx.CancellationToken).ConfigureAwait(false);
                }
                catch (Exception ex)
                {
                    GatewayTelemetry.RecordFailure(span, ex);
                    throw;
                }
            }, context, (this, method, log, attempt)).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            throw DownstreamErrors.ToClientError(Name, method, ex, log, cancellationToken);
        }
        finally
        {
            ResilienceContextPool.Shared.Return(context);
        }
    }

    /// <summary>One Describe call outside the pipeline (readiness must see the service as it is,
    /// not wait out retries); the raw <see cref="RpcException"/> propagates.</summary>
    public async Task<TResponse> DescribeAsync<TResponse>(Method<Contracts.V1.DescribeRequest, TResponse> method, TimeSpan timeout,
        CancellationToken cancellationToken)
        where TResponse : class, IMessage<TResponse>
    {
        var result = await Channel.CallInvoker.UnaryAsync(method, new Contracts.V1.DescribeRequest(),
            new CallOptions { Deadline = DateTime.UtcNow + timeout, CancellationToken = cancellationToken }).ConfigureAwait(false);
        return result.Response;
    }

    public void Dispose() => Channel.Dispose();
}
