using System.Net;
using System.Net.Sockets;

namespace Diffusion.Grpc.Client;

/// <summary>
/// One address to call: <paramref name="Address"/> is where to connect (scheme, host, port);
/// <paramref name="Authority"/>, when set, is sent as :authority and used for TLS server names
/// (e.g. the DNS name when <paramref name="Address"/> holds one of its IPs).
/// </summary>
public sealed record BalancerAddress(Uri Address, string? Authority = null);

/// <summary>Where a channel's endpoints come from. Called at start, then periodically and after failures.</summary>
public interface IAddressResolver
{
    Task<IReadOnlyList<BalancerAddress>> ResolveAsync(CancellationToken cancellationToken);
}

/// <summary>A fixed list of addresses that can be replaced at any time (the next resolution picks it up).</summary>
public sealed class StaticAddressResolver : IAddressResolver
{
    private volatile IReadOnlyList<BalancerAddress> _addresses;

    public StaticAddressResolver(IEnumerable<Uri> addresses)
    {
        _addresses = ToAddresses(addresses);
    }

    public void SetAddresses(IEnumerable<Uri> addresses) => _addresses = ToAddresses(addresses);

    public Task<IReadOnlyList<BalancerAddress>> ResolveAsync(CancellationToken cancellationToken) => Task.FromResult(_addresses);

    private static IReadOnlyList<BalancerAddress> ToAddresses(IEnumerable<Uri> addresses)
    {
        ArgumentNullException.ThrowIfNull(addresses);
        return addresses.Select(a => new BalancerAddress(a)).ToArray();
    }
}

/// <summary>
/// Resolves a DNS name to all its A/AAAA records, one endpoint each: with a Kubernetes headless
/// service every ready pod is one record, so calls spread over the pods and follow scaling.
/// </summary>
public sealed class DnsAddressResolver(string host, int port, bool useTls = false) : IAddressResolver
{
    public async Task<IReadOnlyList<BalancerAddress>> ResolveAsync(CancellationToken cancellationToken)
    {
        var addresses = await Dns.GetHostAddressesAsync(host, cancellationToken).ConfigureAwait(false);
        var scheme = useTls ? Uri.UriSchemeHttps : Uri.UriSchemeHttp;
        var authority = $"{host}:{port}";
        return addresses
            .Distinct()
            .OrderBy(a => a.AddressFamily).ThenBy(a => a.ToString(), StringComparer.Ordinal)
            .Select(a => new BalancerAddress(
                new Uri($"{scheme}://{(a.AddressFamily == AddressFamily.InterNetworkV6 ? $"[{a}]" : a.ToString())}:{port}"),
                authority))
            .ToArray();
    }
}
