using System.Diagnostics;

namespace Diffusion.Grpc.Diagnostics;

/// <summary>
/// Tracing of calls: one span per call on each side, ActivitySource "Diffusion.Grpc", OpenTelemetry
/// RPC semantic conventions. Trace context crosses the wire as W3C traceparent/tracestate headers.
/// </summary>
public static class GrpcDiagnostics
{
    /// <summary>The ActivitySource name to listen to (e.g. <c>AddSource("Diffusion.Grpc")</c>).</summary>
    public const string ActivitySourceName = "Diffusion.Grpc";

    internal const string RpcSystemTag = "rpc.system";
    internal const string RpcServiceTag = "rpc.service";
    internal const string RpcMethodTag = "rpc.method";
    internal const string StatusCodeTag = "rpc.grpc.status_code";
    internal const string ServerAddressTag = "server.address";
    internal const string ServerPortTag = "server.port";

    // The ASP.NET Core hosting span that already continued the caller's traceparent.
    private const string HostingActivityName = "Microsoft.AspNetCore.Hosting.HttpRequestIn";

    internal static readonly ActivitySource Source = new(ActivitySourceName, typeof(GrpcDiagnostics).Assembly.GetName().Version?.ToString());

    internal static Activity? StartClientActivity(string serviceName, string methodName, Uri address)
    {
        if (!Source.HasListeners())
        {
            return null;
        }

        var activity = Source.StartActivity(serviceName + "/" + methodName, ActivityKind.Client);
        if (activity is { IsAllDataRequested: true })
        {
            activity.SetTag(RpcSystemTag, "grpc");
            activity.SetTag(RpcServiceTag, serviceName);
            activity.SetTag(RpcMethodTag, methodName);
            activity.SetTag(ServerAddressTag, address.Host);
            activity.SetTag(ServerPortTag, address.Port);
        }

        return activity;
    }

    /// <summary>
    /// Starts the server span. When ASP.NET Core's hosting span is current it has already continued
    /// the caller's traceparent, so ours becomes its child; otherwise ours continues the headers
    /// itself. Either way there is one logical server span under the caller's span.
    /// </summary>
    internal static Activity? StartServerActivity(string serviceName, string methodName, string? traceParent, string? traceState)
    {
        if (!Source.HasListeners())
        {
            return null;
        }

        var name = serviceName + "/" + methodName;
        Activity? activity;
        var current = Activity.Current;
        if (current is not null && current.OperationName == HostingActivityName)
        {
            activity = Source.StartActivity(name, ActivityKind.Server);
        }
        else if (traceParent is not null && ActivityContext.TryParse(traceParent, traceState, isRemote: true, out var parent))
        {
            activity = Source.StartActivity(name, ActivityKind.Server, parent);
        }
        else
        {
            activity = Source.StartActivity(name, ActivityKind.Server);
        }

        if (activity is { IsAllDataRequested: true })
        {
            activity.SetTag(RpcSystemTag, "grpc");
            activity.SetTag(RpcServiceTag, serviceName);
            activity.SetTag(RpcMethodTag, methodName);
        }

        return activity;
    }

    internal static void StopActivity(Activity? activity, StatusCode code, bool isServer)
    {
        if (activity is null)
        {
            return;
        }

        activity.SetTag(StatusCodeTag, (int)code);
        // OpenTelemetry RPC conventions: a client span fails on any non-OK status, a server span
        // only on statuses that mean the server failed.
        var failed = isServer
            ? code is StatusCode.Unknown or StatusCode.DeadlineExceeded or StatusCode.Unimplemented
                or StatusCode.Internal or StatusCode.Unavailable or StatusCode.DataLoss
            : code != StatusCode.OK;
        if (failed)
        {
            activity.SetStatus(ActivityStatusCode.Error, code.ToString());
        }

        activity.Stop();
    }

    /// <summary>The W3C headers to send for the current span, when it uses W3C ids.</summary>
    internal static (string? TraceParent, string? TraceState) GetTraceHeaders(Activity? activity)
    {
        activity ??= Activity.Current;
        if (activity is null || activity.IdFormat != ActivityIdFormat.W3C || activity.Id is null)
        {
            return (null, null);
        }

        return (activity.Id, activity.TraceStateString);
    }
}
