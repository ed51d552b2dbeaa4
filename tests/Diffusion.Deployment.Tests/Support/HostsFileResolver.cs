using System.Net;
using Diffusion.Grpc.Client;

namespace Diffusion.Deployment.Tests.Support;

/// <summary>
/// Resolves a name from a hosts-format file (<c>IP name [aliases]</c> per line, '#' comments), read
/// again at every resolution: the records Docker's embedded DNS gives a scaled compose service, or
/// a Kubernetes headless service gives its ready pods, with the test editing them. Answers like
/// <see cref="DnsAddressResolver"/> (one endpoint per address, <c>:authority</c> = name:port) so the
/// channel sees what it would see from DNS.
/// </summary>
internal sealed class HostsFileResolver(string path, string host, int port) : IAddressResolver
{
    /// <summary>Resolutions performed so far.</summary>
    public int Resolutions => Volatile.Read(ref _resolutions);

    private int _resolutions;

    public async Task<IReadOnlyList<BalancerAddress>> ResolveAsync(CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _resolutions);
        var lines = await File.ReadAllLinesAsync(path, cancellationToken).ConfigureAwait(false);
        return lines
            .Select(l => l.Split('#')[0].Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries))
            .Where(fields => fields.Length >= 2 && fields.Skip(1).Contains(host, StringComparer.OrdinalIgnoreCase))
            .Select(fields => IPAddress.Parse(fields[0]))
            .Distinct()
            .Select(ip => new BalancerAddress(new Uri($"http://{(ip.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? $"[{ip}]" : ip.ToString())}:{port}"), $"{host}:{port}"))
            .ToArray();
    }
}
