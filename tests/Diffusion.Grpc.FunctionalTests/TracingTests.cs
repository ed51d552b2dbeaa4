using System.Collections.Concurrent;
using System.Diagnostics;
using Diffusion.Grpc.Client;
using Diffusion.Grpc.Diagnostics;
using Diffusion.Grpc.Testing;
using Grpc.Testing;

namespace Diffusion.Grpc.FunctionalTests;

/// <summary>W3C trace context across the wire: one client span and one logical server span under it.</summary>
public sealed class TracingTests
{
    private const string HostingActivity = "Microsoft.AspNetCore.Hosting.HttpRequestIn";

    [Fact]
    public async Task Call_WithoutHostingSpan_ServerSpanContinuesClientSpan()
    {
        var spans = await TraceOneCallAsync(listenToAspNetCore: false);

        var client = spans.Single(a => a.Source.Name == GrpcDiagnostics.ActivitySourceName && a.Kind == ActivityKind.Client);
        var server = spans.Single(a => a.Source.Name == GrpcDiagnostics.ActivitySourceName && a.Kind == ActivityKind.Server);
        Assert.Equal(client.SpanId, server.ParentSpanId);
        Assert.Equal("grpc.testing.TestService/UnaryCall", server.DisplayName);
        Assert.Equal("grpc", server.GetTagItem("rpc.system"));
        Assert.Equal("grpc.testing.TestService", server.GetTagItem("rpc.service"));
        Assert.Equal("UnaryCall", server.GetTagItem("rpc.method"));
        Assert.Equal(0, server.GetTagItem("rpc.grpc.status_code"));
        Assert.Equal(0, client.GetTagItem("rpc.grpc.status_code"));
    }

    [Fact]
    public async Task Call_WithHostingSpan_ServerSpanIsChildOfHostingSpanUnderClientSpan()
    {
        var spans = await TraceOneCallAsync(listenToAspNetCore: true);

        var client = spans.Single(a => a.Source.Name == GrpcDiagnostics.ActivitySourceName && a.Kind == ActivityKind.Client);
        var hosting = spans.Single(a => a.OperationName == HostingActivity);
        var server = spans.Single(a => a.Source.Name == GrpcDiagnostics.ActivitySourceName && a.Kind == ActivityKind.Server);
        Assert.Equal(client.SpanId, hosting.ParentSpanId);
        Assert.Equal(hosting.SpanId, server.ParentSpanId);
    }

    [Fact]
    public async Task FailedCall_RecordsStatusCodeAndError()
    {
        var spans = await TraceOneCallAsync(listenToAspNetCore: false, statusCode: (int)StatusCode.Internal);

        var server = spans.Single(a => a.Kind == ActivityKind.Server && a.Source.Name == GrpcDiagnostics.ActivitySourceName);
        var client = spans.Single(a => a.Kind == ActivityKind.Client);
        Assert.Equal((int)StatusCode.Internal, server.GetTagItem("rpc.grpc.status_code"));
        Assert.Equal(ActivityStatusCode.Error, server.Status);
        Assert.Equal(ActivityStatusCode.Error, client.Status);
    }

    private static async Task<List<Activity>> TraceOneCallAsync(bool listenToAspNetCore, int statusCode = 0)
    {
        var stopped = new ConcurrentBag<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = s => s.Name == GrpcDiagnostics.ActivitySourceName || (listenToAspNetCore && s.Name == "Microsoft.AspNetCore"),
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = stopped.Add,
        };
        ActivitySource.AddActivityListener(listener);
        await using var server = await TestServerHost.StartAsync(new InteropTestService().Map);
        using var channel = GrpcChannel.ForAddress(server.Address);

        using var root = new Activity("test-root").SetIdFormat(ActivityIdFormat.W3C).Start();
        var request = new SimpleRequest { ResponseStatus = new EchoStatus { Code = statusCode } };
        try
        {
            await channel.CallInvoker.UnaryAsync(InteropMethods.UnaryCall, request);
        }
        catch (RpcException) when (statusCode != 0)
        {
        }

        root.Stop();
        var expected = listenToAspNetCore ? 3 : 2;
        var until = DateTime.UtcNow.AddSeconds(5);
        List<Activity> spans;
        while ((spans = stopped.Where(a => a.TraceId == root.TraceId).ToList()).Count < expected && DateTime.UtcNow < until)
        {
            await Task.Delay(20);
        }

        Assert.Equal(expected, spans.Count);
        Assert.Equal(root.SpanId, spans.Single(a => a.Kind == ActivityKind.Client).ParentSpanId);
        return spans;
    }
}
