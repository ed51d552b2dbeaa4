using System.Net;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Diffusion.Grpc.Server;

public static class GrpcKestrelExtensions
{
    /// <summary>
    /// Listens for gRPC on <paramref name="address"/>:<paramref name="port"/> with HTTP/2 only: over
    /// plain TCP that is h2c with prior knowledge, which every gRPC client speaks; call
    /// <c>UseHttps</c> in <paramref name="configure"/> for TLS. Port 0 picks a free port.
    /// </summary>
    public static KestrelServerOptions ListenGrpc(this KestrelServerOptions options, IPAddress address, int port,
        Action<ListenOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Listen(address, port, listen =>
        {
            listen.Protocols = HttpProtocols.Http2;
            configure?.Invoke(listen);
        });
        return options;
    }

    /// <summary>Listens for gRPC on every interface.</summary>
    public static KestrelServerOptions ListenGrpc(this KestrelServerOptions options, int port, Action<ListenOptions>? configure = null) =>
        options.ListenGrpc(IPAddress.Any, port, configure);
}
