using System.Net;
using Diffusion.Grpc;
using Diffusion.Grpc.Health;
using Diffusion.Grpc.Server;
using Grpc.Health.V1;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Diffusion.Deployment.Tests.Support;

/// <summary>
/// One stand-in replica on a given IP and port, served by our transport (Kestrel, h2c) with
/// grpc.health.v1 and a <see cref="Hold"/> method that counts its calls and answers only when
/// <see cref="Release"/> is called, so calls stay in flight and least-outstanding balancing must
/// spread them.
/// </summary>
internal sealed class ReplicaServer : IAsyncDisposable
{
    /// <summary>A unary method that parks until released (request/response types borrowed from health).</summary>
    public static readonly Method<HealthCheckRequest, HealthCheckResponse> Hold =
        new(MethodType.Unary, "diffusion.deploytest.Replica", "Hold", HealthCheckRequest.Parser, HealthCheckResponse.Parser);

    private readonly WebApplication _app;
    private TaskCompletionSource _gate = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _calls;

    private ReplicaServer(WebApplication app, IPAddress address, int port)
    {
        _app = app;
        Address = address;
        Port = port;
    }

    public IPAddress Address { get; }

    public int Port { get; }

    /// <summary>Calls of <see cref="Hold"/> received so far.</summary>
    public int Calls => Volatile.Read(ref _calls);

    /// <summary>The server's grpc.health.v1 statuses.</summary>
    public HealthService Health => _app.Services.GetRequiredService<HealthService>();

    /// <summary>Starts a replica on <paramref name="address"/>:<paramref name="port"/> (0 = a free port).</summary>
    public static async Task<ReplicaServer> StartAsync(IPAddress address, int port)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddGrpcTransport();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.ListenGrpc(address, port));
        var app = builder.Build();
        ReplicaServer? self = null;
        app.MapGrpcHealth();
        app.MapGrpcUnary(Hold, async (request, context) =>
        {
            Interlocked.Increment(ref self!._calls);
            await self._gate.Task.WaitAsync(context.CancellationToken).ConfigureAwait(false);
            return new HealthCheckResponse { Status = HealthCheckResponse.Types.ServingStatus.Serving };
        });
        await app.StartAsync().ConfigureAwait(false);
        string url = app.Services.GetRequiredService<Microsoft.AspNetCore.Hosting.Server.IServer>()
            .Features.Get<IServerAddressesFeature>()!.Addresses.First();
        self = new ReplicaServer(app, address, new Uri(url).Port);
        return self;
    }

    /// <summary>Lets every parked call answer; later calls park again until the next release.</summary>
    public void Release() => Interlocked.Exchange(ref _gate, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();

    public async ValueTask DisposeAsync()
    {
        _gate.TrySetResult();
        await _app.StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
    }
}
