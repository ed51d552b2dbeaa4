using System.Net;
using Diffusion.Grpc.Server;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Diffusion.Grpc.Testing;

/// <summary>Our gRPC server in-process on 127.0.0.1 (h2c), optionally with an HTTP/1.1 port beside it.</summary>
public sealed class TestServerHost : IAsyncDisposable
{
    private readonly WebApplication _app;

    private TestServerHost(WebApplication app, int port, int? http1Port)
    {
        _app = app;
        Port = port;
        Http1Port = http1Port;
    }

    public int Port { get; }

    /// <summary>An HTTP/1.1-only port serving the same endpoints (to see gRPC refuse HTTP/1.1).</summary>
    public int? Http1Port { get; }

    public Uri Address => new($"http://127.0.0.1:{Port}");

    public IServiceProvider Services => _app.Services;

    /// <param name="map">Maps the endpoints.</param>
    /// <param name="port">0 for a free port, or a port to reuse (restarting a stopped server).</param>
    public static async Task<TestServerHost> StartAsync(Action<WebApplication> map, Action<GrpcServerOptions>? configure = null,
        int port = 0, bool withHttp1Port = false, Action<IServiceCollection>? services = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddGrpcTransport(configure);
        services?.Invoke(builder.Services);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.ListenGrpc(IPAddress.Loopback, port);
            if (withHttp1Port)
            {
                kestrel.Listen(IPAddress.Loopback, 0, l => l.Protocols = HttpProtocols.Http1);
            }
        });
        var app = builder.Build();
        map(app);
        await app.StartAsync();
        var ports = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses
            .Select(a => new Uri(a).Port).ToList();
        // Kestrel lists the endpoints in the order they were configured.
        return new TestServerHost(app, ports[0], withHttp1Port ? ports[1] : null);
    }

    public async Task StopAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        await _app.StopAsync(timeout.Token);
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        await _app.DisposeAsync();
    }
}
