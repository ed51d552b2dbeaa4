using Diffusion.Grpc.Server;

namespace Diffusion.Gateway.Tests.Fakes;

/// <summary>A request a fake received, with what the transport told it about the call.</summary>
/// <param name="Remaining">Time left before the caller's deadline (from grpc-timeout) on receipt; null without one.</param>
/// <param name="GrpcTimeout">The raw grpc-timeout header.</param>
/// <param name="TraceParent">The W3C traceparent header.</param>
internal sealed record Received<T>(T Request, TimeSpan? Remaining, string? GrpcTimeout, string? TraceParent, string? Authorization)
{
    public static Received<T> From(T request, ServerCallContext context)
    {
        var headers = context.GetHttpContext().Request.Headers;
        return new Received<T>(
            request,
            context.Deadline == DateTime.MaxValue ? null : context.Deadline - DateTime.UtcNow,
            headers.TryGetValue("grpc-timeout", out var timeout) ? timeout.ToString() : null,
            headers.TryGetValue("traceparent", out var trace) ? trace.ToString() : null,
            headers.TryGetValue("authorization", out var auth) ? auth.ToString() : null);
    }

    /// <summary>The trace id in <see cref="TraceParent"/> (version-traceid-spanid-flags).</summary>
    public string? TraceId => TraceParent?.Split('-') is { Length: 4 } parts ? parts[1] : null;
}
