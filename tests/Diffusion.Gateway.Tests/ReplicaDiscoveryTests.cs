using Diffusion.Gateway.Tests.Fakes;
using Diffusion.Gateway.Tests.Support;

namespace Diffusion.Gateway.Tests;

/// <summary>Denoiser replicas from a resolver (DNS of a headless service in production).</summary>
public sealed class ReplicaDiscoveryTests
{
    [Fact]
    public async Task Generate_ReplicaAddedToResolver_UsedAfterTheNextResolution()
    {
        var settings = new HarnessSettings { UseResolver = true };
        settings.Config["Denoiser:ResolveInterval"] = "00:00:01";
        await using var harness = await GatewayHarness.StartAsync(settings);
        var first = harness.DenoiserHosts[0];
        await harness.GenerateAsync(GatewayHarness.Request());

        var (added, addedHost) = await harness.AddDenoiserAsync();
        int seen = harness.Resolver!.Resolutions;
        harness.Resolver.SetAddresses([first.Address, addedHost.Address]);
        await harness.Resolver.WaitForResolutionAfterAsync(seen, TimeSpan.FromSeconds(5));
        for (int i = 0; i < 4; i++)
            await harness.GenerateAsync(GatewayHarness.Request());

        Assert.NotEmpty(added.Calls);

        // Taken out of the name: no call goes to the first replica after the next resolution.
        seen = harness.Resolver.Resolutions;
        harness.Resolver.SetAddresses([addedHost.Address]);
        await harness.Resolver.WaitForResolutionAfterAsync(seen, TimeSpan.FromSeconds(5));
        int firstCalls = harness.Denoisers[0].Calls.Count;
        for (int i = 0; i < 3; i++)
            await harness.GenerateAsync(GatewayHarness.Request());
        Assert.Equal(firstCalls, harness.Denoisers[0].Calls.Count);
    }

    [Fact]
    public async Task Generate_ReplicaDownThenBack_SkippedThenReadmitted()
    {
        var settings = new HarnessSettings { Denoisers = 2 };
        settings.Config["Denoiser:ReconnectBackoff"] = "00:00:00.200";
        await using var harness = await GatewayHarness.StartAsync(settings);
        var downHost = harness.DenoiserHosts[0];
        await downHost.StopAsync();

        for (int i = 0; i < 3; i++)
            Assert.Single((await harness.GenerateAsync(GatewayHarness.Request())).Images);
        Assert.Empty(harness.Denoisers[0].Calls);
        Assert.Equal(3, harness.Denoisers[1].Calls.Count);

        // The same pod comes back on its address: a probe re-admits it.
        var back = new FakeDenoiser();
        await using var backHost = await FakeHost.StartAsync(back.Map, downHost.Port);
        var end = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (back.Calls.IsEmpty && DateTime.UtcNow < end)
        {
            await harness.GenerateAsync(GatewayHarness.Request());
            await Task.Delay(100);
        }
        Assert.NotEmpty(back.Calls);
    }
}
