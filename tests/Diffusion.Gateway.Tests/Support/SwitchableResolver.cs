using Diffusion.Grpc.Client;

namespace Diffusion.Gateway.Tests.Support;

/// <summary>Stands in for DNS: a list of replica addresses that tests change, and a signal per resolution.</summary>
internal sealed class SwitchableResolver(IEnumerable<Uri> addresses) : IAddressResolver
{
    private volatile IReadOnlyList<BalancerAddress> _addresses = ToAddresses(addresses);
    private int _resolutions;

    public int Resolutions => Volatile.Read(ref _resolutions);

    public void SetAddresses(IEnumerable<Uri> addresses) => _addresses = ToAddresses(addresses);

    public Task<IReadOnlyList<BalancerAddress>> ResolveAsync(CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _resolutions);
        return Task.FromResult(_addresses);
    }

    /// <summary>Waits until the channel has resolved at least once more than <paramref name="seen"/> times,
    /// plus a moment for the channel to take the answer in.</summary>
    public async Task WaitForResolutionAfterAsync(int seen, TimeSpan timeout)
    {
        var end = DateTime.UtcNow + timeout;
        while (Resolutions <= seen)
        {
            if (DateTime.UtcNow > end)
                throw new TimeoutException($"no resolution after #{seen} within {timeout}");
            await Task.Delay(20);
        }
        await Task.Delay(50);
    }

    private static IReadOnlyList<BalancerAddress> ToAddresses(IEnumerable<Uri> addresses) =>
        addresses.Select(a => new BalancerAddress(a)).ToArray();
}
