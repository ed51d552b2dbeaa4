using System.Net;
using System.Net.Sockets;
using Diffusion.Deployment.Tests.Support;
using Diffusion.Gateway.Options;
using Diffusion.Grpc.Client;
using Diffusion.Testing;
using Grpc.Health.V1;
using Microsoft.Extensions.Configuration;

namespace Diffusion.Deployment.Tests;

/// <summary>
/// The denoiser discovery the deployments rely on (compose: <c>--scale denoiser=N</c>; Kubernetes:
/// the headless service), against real servers of our transport: one endpoint per address record,
/// calls spread by least-outstanding, records added or removed followed after the next resolution.
/// </summary>
public sealed class DnsDiscoveryTests : IAsyncLifetime
{
    private readonly List<ReplicaServer> _servers = [];
    private readonly string _hosts = Path.Combine(Path.GetTempPath(), $"deploy-hosts-{Guid.NewGuid():N}");

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var server in _servers)
            await server.DisposeAsync();
        File.Delete(_hosts);
    }

    [Fact]
    public async Task DnsTarget_EveryAddressOfTheName_ReceivesCalls()
    {
        // Real DNS through the transport's DnsAddressResolver (GrpcChannel.ForDns, what the gateway
        // builds for dns:///host:port): a server on every address "localhost" resolves to (127.0.0.1,
        // and ::1 where the hosts file lists it), all on one port as replicas are.
        var addresses = (await Dns.GetHostAddressesAsync("localhost")).Distinct().ToArray();
        await StartReplicasAsync(addresses);
        using var channel = GrpcChannel.ForDns("localhost", _servers[0].Port, options: DenoiserChannelOptions(TimeSpan.FromSeconds(1)));

        await SpreadAsync(channel, callsPerReplica: 2);

        Assert.All(_servers, s => Assert.Equal(2, s.Calls));
        Assert.Equal(addresses.Length, channel.GetEndpointStates().Count);
    }

    [Fact]
    public async Task AddressRecords_ScaledUpAndDown_FollowedAfterTheNextResolution()
    {
        // Three replicas of one service: loopback addresses 127.0.0.1-3, one port, as Docker's DNS
        // answers "denoiser" after `docker compose up --scale denoiser=3`.
        await StartReplicasAsync([IPAddress.Parse("127.0.0.1"), IPAddress.Parse("127.0.0.2")]);
        int port = _servers[0].Port;
        await File.WriteAllLinesAsync(_hosts, ["127.0.0.1 denoiser", "127.0.0.2 denoiser", "127.0.0.9 vae-codec"]);
        var resolver = new HostsFileResolver(_hosts, "denoiser", port);
        using var channel = GrpcChannel.ForResolver(resolver, DenoiserChannelOptions(TimeSpan.FromSeconds(1)));

        await SpreadAsync(channel, callsPerReplica: 2);
        Assert.Equal([2, 2], _servers.Select(s => s.Calls));

        // Scale up: a third replica starts and its record appears.
        _servers.Add(await ReplicaServer.StartAsync(IPAddress.Parse("127.0.0.3"), port));
        await File.AppendAllLinesAsync(_hosts, ["127.0.0.3 denoiser"]);
        await WaitUntilAsync(() => channel.GetEndpointStates().Count == 3, channel);
        await SpreadAsync(channel, callsPerReplica: 2);
        Assert.Equal([4, 4, 2], _servers.Select(s => s.Calls));

        // Scale down: 127.0.0.2's record goes (its server still runs, so only the record decides).
        await File.WriteAllLinesAsync(_hosts, ["127.0.0.1 denoiser", "127.0.0.3 denoiser"]);
        await WaitUntilAsync(() => channel.GetEndpointStates().Count == 2, channel);
        await SpreadAsync(channel, callsPerReplica: 1, replicas: 2);
        Assert.Equal([5, 4, 3], _servers.Select(s => s.Calls));
        Assert.True(resolver.Resolutions >= 3, $"{resolver.Resolutions} resolutions");
    }

    [Fact]
    public void ComposeGatewaySettings_DenoiserTargetIsDnsAndValid()
    {
        // The gateway's own binding and validation of the values docker-compose.yml gives it.
        var env = YamlFile.Load("docker-compose.yml").At("services.gateway.environment").Map();
        var options = new ConfigurationBuilder()
            .AddInMemoryCollection(env.Select(p => new KeyValuePair<string, string?>(ConfigKeys.ToPath(p.Key), p.Value)))
            .Build().GetSection(GatewayOptions.SectionName).Get<GatewayOptions>()!;

        options.Validate();

        Assert.StartsWith("dns:///", options.Denoiser.Address, StringComparison.Ordinal);
        Assert.Empty(options.Denoiser.Addresses);
        Assert.True(options.Denoiser.HealthCheckProbes);
        Assert.True(options.Denoiser.ResolveInterval <= TimeSpan.FromSeconds(10), "scaled replicas should join within seconds");
    }

    /// <summary>The denoiser channel as the gateway configures it (Downstream/DownstreamSet.cs).</summary>
    private static GrpcChannelOptions DenoiserChannelOptions(TimeSpan resolveInterval)
    {
        var denoiser = new DenoiserOptions { ResolveInterval = resolveInterval };
        return new GrpcChannelOptions
        {
            LoadBalancingPolicy = LoadBalancingPolicy.LeastOutstandingCalls,
            ResolveInterval = denoiser.ResolveInterval,
            HealthCheckProbes = denoiser.HealthCheckProbes,
            InitialReconnectBackoff = denoiser.ReconnectBackoff,
        };
    }

    private async Task StartReplicasAsync(IReadOnlyList<IPAddress> addresses)
    {
        var first = await ReplicaServer.StartAsync(addresses[0], 0);
        _servers.Add(first);
        foreach (var address in addresses.Skip(1))
            _servers.Add(await ReplicaServer.StartAsync(address, first.Port));
    }

    /// <summary>
    /// Starts <paramref name="callsPerReplica"/> x replicas held calls one at a time (each waits until
    /// a server has it, so every pick sees the previous calls in flight), then releases them all.
    /// </summary>
    private async Task SpreadAsync(GrpcChannel channel, int callsPerReplica, int? replicas = null)
    {
        int count = callsPerReplica * (replicas ?? _servers.Count);
        int before = _servers.Sum(s => s.Calls);
        var calls = new List<Task<UnaryResult<HealthCheckResponse>>>();
        for (int i = 0; i < count; i++)
        {
            calls.Add(channel.CallInvoker.UnaryAsync(ReplicaServer.Hold, new HealthCheckRequest(), CallOptions.WithTimeout(TimeSpan.FromSeconds(30))));
            int expected = before + i + 1;
            await WaitUntilAsync(() => _servers.Sum(s => s.Calls) == expected, channel);
        }
        foreach (var server in _servers)
            server.Release();
        await Task.WhenAll(calls);
    }

    private static async Task WaitUntilAsync(Func<bool> condition, GrpcChannel channel)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(15);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
                Assert.Fail("timed out; endpoints: " + string.Join("; ", channel.GetEndpointStates().Select(e => $"{e.Address} {e.Health} {e.LastError}")));
            await Task.Delay(20);
        }
    }
}
