using System.Net;
using Diffusion.Grpc.Server;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Diffusion.Gateway.Tests.Fakes;

/// <summary>A fake downstream service: our transport on Kestrel, 127.0.0.1, h2c.</summary>
internal sealed class FakeHost : IAsyncDisposable
{
    private readonly WebApplication _app;
    private int _stopped;

    private FakeHost(WebApplication app, int port)
    {
        _app = app;
        Port = port;
    }

    public int Port { get; }

    public Uri Address => new($"http://127.0.0.1:{Port}");

    /// <param name="port">0 for a free port.</param>
    public static async Task<FakeHost> StartAsync(Action<WebApplication> map, int port = 0)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddGrpcTransport();
        builder.WebHost.ConfigureKestrel(k => k.ListenGrpc(IPAddress.Loopback, port));
        var app = builder.Build();
        map(app);
        // Replica probes (Gateway:Denoiser:HealthCheckProbes) ask grpc.health.v1 for SERVING.
        app.MapGrpcHealth();
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new FakeHost(app, new Uri(address).Port);
    }

    /// <summary>Stops listening and ends the connections: the replica is gone.</summary>
    public async Task StopAsync()
    {
        if (Interlocked.Exchange(ref _stopped, 1) != 0)
            return;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
        try
        {
            await _app.StopAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            // Connections still open after the grace period are aborted.
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        await _app.DisposeAsync();
    }
}
