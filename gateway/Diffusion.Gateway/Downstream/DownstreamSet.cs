using Diffusion.Contracts.Rpc;
using Diffusion.Gateway.Options;
using Diffusion.Grpc.Client;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Diffusion.Gateway.Downstream;

/// <summary>The three downstream services, built once from <see cref="GatewayOptions"/>.</summary>
internal sealed class DownstreamSet : IDisposable
{
    public DownstreamSet(IOptions<GatewayOptions> options, ILoggerFactory loggers, TimeProvider time,
        [FromKeyedServices(GatewayApp.DenoiserResolverKey)] IAddressResolver? denoiserResolver = null)
    {
        var o = options.Value;
        var logger = loggers.CreateLogger("Diffusion.Gateway.Downstream");
        TextEncoder = new DownstreamService("text encoder", TextEncoderMethods.Service,
            CreateChannel(o.TextEncoder, o, null), o.TextEncoder, logger, time);
        Denoiser = new DownstreamService("denoiser", DenoiserMethods.Service,
            CreateChannel(o.Denoiser, o, denoiserResolver), o.Denoiser, logger, time);
        VaeCodec = new DownstreamService("VAE codec", VaeCodecMethods.Service,
            CreateChannel(o.VaeCodec, o, null), o.VaeCodec, logger, time);
    }

    public DownstreamService TextEncoder { get; }

    public DownstreamService Denoiser { get; }

    public DownstreamService VaeCodec { get; }

    public void Dispose()
    {
        TextEncoder.Dispose();
        Denoiser.Dispose();
        VaeCodec.Dispose();
    }

    private static GrpcChannel CreateChannel(DownstreamOptions target, GatewayOptions gateway, IAddressResolver? resolver)
    {
        var channelOptions = new GrpcChannelOptions { MaxReceiveMessageSize = gateway.Limits.MaxDownstreamMessageBytes };
        if (target is DenoiserOptions denoiser)
        {
            // Denoising runs are long and uneven: the replica with the fewest runs in flight takes the next.
            channelOptions.LoadBalancingPolicy = LoadBalancingPolicy.LeastOutstandingCalls;
            channelOptions.ResolveInterval = denoiser.ResolveInterval;
            channelOptions.HealthCheckProbes = denoiser.HealthCheckProbes;
            channelOptions.InitialReconnectBackoff = denoiser.ReconnectBackoff;
            if (resolver is not null)
                return GrpcChannel.ForResolver(resolver, channelOptions);
            if (denoiser.Addresses.Count > 0)
                return GrpcChannel.ForAddresses(denoiser.Addresses.Select(a => new Uri(a)), channelOptions);
        }

        var address = DownstreamAddress.Parse(target.Address, "Address", allowDns: target is DenoiserOptions);
        return address.IsDns
            ? GrpcChannel.ForDns(address.DnsHost!, address.DnsPort, useTls: false, channelOptions)
            : GrpcChannel.ForAddress(address.Uri!, channelOptions);
    }
}
