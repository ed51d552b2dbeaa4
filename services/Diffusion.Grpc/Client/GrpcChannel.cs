using System.Net;
using System.Net.Http;
using Grpc.Health.V1;

namespace Diffusion.Grpc.Client;

/// <summary>
/// A client's connection to one or several servers: HTTP/2 (h2c with prior knowledge for http://,
/// TLS for https://) over one SocketsHttpHandler, with client-side balancing over the addresses a
/// resolver gives. Thread-safe; create one per target and keep it.
/// </summary>
public sealed class GrpcChannel : IDisposable
{
    private readonly bool _disposeHandler;

    private GrpcChannel(IAddressResolver resolver, GrpcChannelOptions? options)
    {
        Options = options ?? new GrpcChannelOptions();
        var handler = Options.HttpHandler;
        _disposeHandler = handler is null || Options.DisposeHttpHandler;
        Invoker = new HttpMessageInvoker(handler ?? CreateDefaultHandler(Options), disposeHandler: _disposeHandler);
        Balancer = new LoadBalancer(resolver, Options, ProbeHealthAsync);
        CallInvoker = new CallInvoker(this);
    }

    /// <summary>Makes calls on this channel.</summary>
    public CallInvoker CallInvoker { get; }

    internal GrpcChannelOptions Options { get; }

    internal HttpMessageInvoker Invoker { get; }

    internal LoadBalancer Balancer { get; }

    /// <summary>A channel to one server, e.g. "http://denoiser:50051".</summary>
    public static GrpcChannel ForAddress(string address, GrpcChannelOptions? options = null) =>
        ForAddress(new Uri(address), options);

    public static GrpcChannel ForAddress(Uri address, GrpcChannelOptions? options = null) =>
        ForAddresses([address], options);

    /// <summary>A channel balancing over a fixed list of servers.</summary>
    public static GrpcChannel ForAddresses(IEnumerable<Uri> addresses, GrpcChannelOptions? options = null)
    {
        var list = addresses?.ToArray() ?? throw new ArgumentNullException(nameof(addresses));
        foreach (var address in list)
        {
            if (address.Scheme != Uri.UriSchemeHttp && address.Scheme != Uri.UriSchemeHttps)
            {
                throw new ArgumentException($"Address '{address}' must be http:// (h2c) or https:// (TLS).", nameof(addresses));
            }
        }

        return new GrpcChannel(new StaticAddressResolver(list), options);
    }

    /// <summary>A channel balancing over every address of a DNS name, re-resolved every <see cref="GrpcChannelOptions.ResolveInterval"/>.</summary>
    public static GrpcChannel ForDns(string host, int port, bool useTls = false, GrpcChannelOptions? options = null) =>
        new(new DnsAddressResolver(host, port, useTls), options);

    /// <summary>A channel over the addresses of any resolver.</summary>
    public static GrpcChannel ForResolver(IAddressResolver resolver, GrpcChannelOptions? options = null) =>
        new(resolver ?? throw new ArgumentNullException(nameof(resolver)), options);

    /// <summary>The endpoints the channel balances over and their health, for diagnostics.</summary>
    public IReadOnlyList<EndpointState> GetEndpointStates() => Balancer.GetStates();

    public void Dispose()
    {
        Balancer.Dispose();
        Invoker.Dispose();
    }

    private static SocketsHttpHandler CreateDefaultHandler(GrpcChannelOptions options) => new()
    {
        // Streams beyond one connection's SETTINGS_MAX_CONCURRENT_STREAMS open another connection instead of queueing.
        EnableMultipleHttp2Connections = true,
        // The default 64 KiB stream window stalls every response of 64 KiB or more for a WINDOW_UPDATE round trip.
        InitialHttp2StreamWindowSize = 4 * 1024 * 1024,
        PooledConnectionIdleTimeout = Timeout.InfiniteTimeSpan,
        KeepAlivePingDelay = options.KeepAlivePingDelay ?? Timeout.InfiniteTimeSpan,
        KeepAlivePingTimeout = TimeSpan.FromSeconds(20),
        KeepAlivePingPolicy = HttpKeepAlivePingPolicy.WithActiveRequests,
        ConnectTimeout = options.ConnectTimeout,
        AutomaticDecompression = DecompressionMethods.None,
        UseCookies = false,
        UseProxy = false,
        // We write traceparent ourselves, from our client span; HttpClient's would duplicate it.
        ActivityHeadersPropagator = null,
    };

    private static readonly Method<HealthCheckRequest, HealthCheckResponse> HealthCheck =
        new(MethodType.Unary, "grpc.health.v1.Health", "Check", HealthCheckRequest.Parser, HealthCheckResponse.Parser);

    private async Task<bool> ProbeHealthAsync(Endpoint endpoint, CancellationToken cancellationToken)
    {
        var result = await CallInvoker.UnaryOnEndpointAsync(endpoint, HealthCheck, new HealthCheckRequest(),
            new CallOptions { CancellationToken = cancellationToken }).ConfigureAwait(false);
        return result.Response.Status == HealthCheckResponse.Types.ServingStatus.Serving;
    }
}
