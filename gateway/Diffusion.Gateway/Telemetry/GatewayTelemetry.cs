using System.Diagnostics;
using Diffusion.Gateway.Resilience;
using Diffusion.Grpc;
using Diffusion.ServiceDefaults.Telemetry;

namespace Diffusion.Gateway.Telemetry;

/// <summary>
/// The gateway's spans (ActivitySource "Diffusion.Gateway"): a root per generation, one child
/// per stage (encode, vae_encode, denoise, decode) and one per downstream attempt. Our transport
/// sends the current span as W3C traceparent, so downstream spans join the same trace.
/// </summary>
internal static class GatewayTelemetry
{
    /// <summary>Tag: failovers of the denoising stream (int).</summary>
    public const string FailoversTag = "diffusion.failovers";

    /// <summary>Tag: the generator seed (long).</summary>
    public const string SeedTag = "diffusion.seed";

    /// <summary>Tag: the downstream called by an attempt span (string).</summary>
    public const string DownstreamTag = "diffusion.downstream";

    private static ActivitySource Source => DiffusionActivitySources.Gateway;

    /// <summary>
    /// Starts the root span of a generation. Without a listener ActivitySource gives no span, yet
    /// the response must carry a trace id and downstreams a traceparent: a bare Activity (W3C ids,
    /// continuing the caller's traceparent when there is one) stands in.
    /// </summary>
    public static Activity StartGenerate(string method, string? traceParent, string? traceState)
    {
        var activity = Source.StartActivity(DiffusionSpanNames.Generate, ActivityKind.Internal);
        if (activity is not null)
            return activity;
        activity = new Activity(DiffusionSpanNames.Generate);
        activity.SetIdFormat(ActivityIdFormat.W3C);
        if (Activity.Current is null && traceParent is not null)
        {
            activity.SetParentId(traceParent);
            activity.TraceStateString = traceState;
        }
        activity.SetTag(DiffusionTags.RpcMethod, method);
        return activity.Start();
    }

    /// <summary>A child span for one stage (<see cref="DiffusionSpanNames"/>); null without a listener.</summary>
    public static Activity? StartStage(string name) => Source.StartActivity(name, ActivityKind.Internal);

    /// <summary>The span of one attempt of a downstream call, tagged with its 1-based number and why it is made.</summary>
    public static Activity? StartAttempt(string downstream, string service, string method, int attempt, string reason)
    {
        var activity = Source.StartActivity($"{service}/{method} attempt", ActivityKind.Internal);
        if (activity is { IsAllDataRequested: true })
        {
            activity.SetTag(DownstreamTag, downstream);
            activity.SetTag(DiffusionTags.RpcService, service);
            activity.SetTag(DiffusionTags.RpcMethod, method);
            activity.SetTag(DiffusionTags.RetryAttempt, attempt);
            activity.SetTag(DiffusionTags.RetryReason, reason);
        }
        return activity;
    }

    /// <summary>Marks <paramref name="activity"/> failed with <paramref name="error"/>'s status.</summary>
    public static void RecordFailure(Activity? activity, Exception error)
    {
        if (activity is null)
            return;
        var rpc = error as RpcException ?? (error as DenoiseStreamBrokenException)?.Error;
        if (rpc is not null)
        {
            activity.SetTag(DiffusionTags.RpcGrpcStatusCode, (int)rpc.StatusCode);
            activity.SetTag(DiffusionTags.ErrorType, RetryRules.StatusName(rpc.StatusCode));
            activity.SetStatus(ActivityStatusCode.Error, RetryRules.StatusName(rpc.StatusCode));
        }
        else
        {
            activity.SetTag(DiffusionTags.ErrorType, error.GetType().Name);
            activity.SetStatus(ActivityStatusCode.Error, error.GetType().Name);
        }
    }
}
