using System.IO.Compression;
using System.Net.Http;

namespace Diffusion.Grpc.Client;

/// <summary>How the channel picks an endpoint for each call.</summary>
public enum LoadBalancingPolicy
{
    /// <summary>Healthy endpoints in turn.</summary>
    RoundRobin,

    /// <summary>The healthy endpoint with the fewest calls in flight (ties in turn).</summary>
    LeastOutstandingCalls,
}

public sealed class GrpcChannelOptions
{
    /// <summary>
    /// The HTTP handler to send with; null (the default) builds a SocketsHttpHandler with HTTP/2,
    /// several connections per endpoint, no keep-alive pings and no idle timeout.
    /// </summary>
    public HttpMessageHandler? HttpHandler { get; set; }

    /// <summary>Whether disposing the channel disposes <see cref="HttpHandler"/> (always true for the default one).</summary>
    public bool DisposeHttpHandler { get; set; }

    /// <summary>Largest response message accepted, in bytes (after decompression). Default 4 MiB.</summary>
    public int MaxReceiveMessageSize { get; set; } = GrpcProtocol.DefaultMaxReceiveMessageSize;

    /// <summary>Largest request message sent, in bytes; null for no limit.</summary>
    public int? MaxSendMessageSize { get; set; }

    public CompressionLevel CompressionLevel { get; set; } = CompressionLevel.Fastest;

    public LoadBalancingPolicy LoadBalancingPolicy { get; set; } = LoadBalancingPolicy.RoundRobin;

    /// <summary>How often the resolver is asked again for addresses (also soon after an endpoint fails). Default 30 s.</summary>
    public TimeSpan ResolveInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>First wait before an unhealthy endpoint is probed again; doubles up to <see cref="MaxReconnectBackoff"/>.</summary>
    public TimeSpan InitialReconnectBackoff { get; set; } = TimeSpan.FromSeconds(1);

    public TimeSpan MaxReconnectBackoff { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Connect timeout of the default handler and of probes. Default 5 s.</summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Probe an unhealthy endpoint with grpc.health.v1.Health/Check("") (it must answer SERVING)
    /// instead of only opening a TCP connection.
    /// </summary>
    public bool HealthCheckProbes { get; set; }

    /// <summary>
    /// HTTP/2 keep-alive ping interval of the default handler; null (the default) sends none. grpcio
    /// servers drop connections that ping more often than every 5 minutes without data.
    /// </summary>
    public TimeSpan? KeepAlivePingDelay { get; set; }
}
