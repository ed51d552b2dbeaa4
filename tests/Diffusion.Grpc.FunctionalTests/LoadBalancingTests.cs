using Diffusion.Grpc.Client;
using Diffusion.Grpc.Server;
using Diffusion.Grpc.Health;
using Diffusion.Grpc.Testing;
using Grpc.Health.V1;
using Grpc.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace Diffusion.Grpc.FunctionalTests;

/// <summary>Client-side balancing over three in-process servers.</summary>
public sealed class LoadBalancingTests : IAsyncLifetime
{
    private static readonly Method<SimpleRequest, SimpleResponse> WhoAmI =
        new(MethodType.Unary, "test.Balance", "WhoAmI", SimpleRequest.Parser, SimpleResponse.Parser);
    private static readonly Method<SimpleRequest, SimpleResponse> Hold =
        new(MethodType.Unary, "test.Balance", "Hold", SimpleRequest.Parser, SimpleResponse.Parser);

    private readonly TestServerHost?[] _servers = new TestServerHost?[3];
    private readonly int[] _ports = new int[3];
    private readonly TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public async Task InitializeAsync()
    {
        for (var i = 0; i < _servers.Length; i++)
        {
            _servers[i] = await StartAsync(i, port: 0);
            _ports[i] = _servers[i]!.Port;
        }
    }

    public async Task DisposeAsync()
    {
        _release.TrySetResult();
        foreach (var server in _servers)
        {
            if (server is not null)
            {
                await server.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task RoundRobin_SpreadsCallsEvenly()
    {
        using var channel = CreateChannel(LoadBalancingPolicy.RoundRobin);

        var counts = await CountAsync(channel, 30);

        Assert.Equal(new[] { 10, 10, 10 }, counts);
    }

    [Fact]
    public async Task StoppedServer_IsSkipped_ThenReadmittedWhenBack()
    {
        using var channel = CreateChannel(LoadBalancingPolicy.RoundRobin);
        await CountAsync(channel, 6);

        await _servers[1]!.DisposeAsync();
        _servers[1] = null;
        // Every call still succeeds: a refused connection moves the call to another server.
        var whileDown = await CountAsync(channel, 20);
        Assert.Equal(0, whileDown[1]);
        Assert.Equal(20, whileDown[0] + whileDown[2]);
        var down = channel.GetEndpointStates().Single(e => e.Address.Port == _ports[1]);
        Assert.Equal(EndpointHealth.Unhealthy, down.Health);
        Assert.NotNull(down.LastError);

        _servers[1] = await StartAsync(1, _ports[1]);
        await WaitUntilAsync(() => channel.GetEndpointStates().All(e => e.Health == EndpointHealth.Ready), TimeSpan.FromSeconds(10), channel);
        var afterRestart = await CountAsync(channel, 30);
        Assert.Equal(new[] { 10, 10, 10 }, afterRestart);
    }

    [Fact]
    public async Task HealthCheckProbes_ReadmitOnlyAServingServer()
    {
        using var channel = GrpcChannel.ForAddresses(_ports.Select((_, i) => Address(i)), new GrpcChannelOptions
        {
            HealthCheckProbes = true,
            InitialReconnectBackoff = TimeSpan.FromMilliseconds(100),
            MaxReconnectBackoff = TimeSpan.FromMilliseconds(300),
        });
        await _servers[2]!.DisposeAsync();
        _servers[2] = null;
        await CountAsync(channel, 3);

        // Back, but still warming up: probes see NOT_SERVING and keep it out of rotation.
        var health = new HealthService();
        health.SetStatus("", HealthCheckResponse.Types.ServingStatus.NotServing);
        _servers[2] = await StartAsync(2, _ports[2], health);
        await Task.Delay(1000);
        Assert.Equal(EndpointHealth.Unhealthy, channel.GetEndpointStates().Single(e => e.Address.Port == _ports[2]).Health);
        Assert.Equal(0, (await CountAsync(channel, 6))[2]);

        health.SetStatus("", HealthCheckResponse.Types.ServingStatus.Serving);
        await WaitUntilAsync(() => channel.GetEndpointStates().All(e => e.Health == EndpointHealth.Ready), TimeSpan.FromSeconds(10), channel);
        Assert.Equal(new[] { 3, 3, 3 }, await CountAsync(channel, 9));
    }

    [Fact]
    public async Task LeastOutstandingCalls_SendsConcurrentCallsToIdleServers()
    {
        using var channel = CreateChannel(LoadBalancingPolicy.LeastOutstandingCalls);

        var held = new List<Task<UnaryResult<SimpleResponse>>>();
        for (var i = 0; i < 3; i++)
        {
            held.Add(channel.CallInvoker.UnaryAsync(Hold, new SimpleRequest()));
            await WaitUntilAsync(() => channel.GetEndpointStates().Sum(e => e.OutstandingCalls) == i + 1, TimeSpan.FromSeconds(5));
        }

        Assert.All(channel.GetEndpointStates(), e => Assert.Equal(1, e.OutstandingCalls));
        _release.TrySetResult();
        var servers = (await Task.WhenAll(held)).Select(r => r.Response.ServerId).ToHashSet();
        Assert.Equal(3, servers.Count);
        Assert.All(channel.GetEndpointStates(), e => Assert.Equal(0, e.OutstandingCalls));
    }

    [Fact]
    public async Task Resolver_NewAddresses_ArePickedUp()
    {
        var resolver = new StaticAddressResolver([Address(0)]);
        using var channel = GrpcChannel.ForResolver(resolver, new GrpcChannelOptions { ResolveInterval = TimeSpan.FromMilliseconds(100) });
        Assert.Equal(new[] { 6, 0, 0 }, await CountAsync(channel, 6));

        resolver.SetAddresses([Address(1), Address(2)]);
        await WaitUntilAsync(() => channel.GetEndpointStates().Count == 2, TimeSpan.FromSeconds(5));

        Assert.Equal(new[] { 0, 3, 3 }, await CountAsync(channel, 6));
    }

    [Fact]
    public async Task DnsResolver_Localhost_Calls()
    {
        using var channel = GrpcChannel.ForDns("localhost", _ports[0]);

        var counts = await CountAsync(channel, 4);

        Assert.Equal(4, counts[0]);
    }

    private GrpcChannel CreateChannel(LoadBalancingPolicy policy) =>
        GrpcChannel.ForAddresses(_ports.Select((_, i) => Address(i)), new GrpcChannelOptions
        {
            LoadBalancingPolicy = policy,
            InitialReconnectBackoff = TimeSpan.FromMilliseconds(100),
            MaxReconnectBackoff = TimeSpan.FromMilliseconds(500),
        });

    private Uri Address(int index) => new($"http://127.0.0.1:{_ports[index]}");

    private async Task<int[]> CountAsync(GrpcChannel channel, int calls)
    {
        var counts = new int[_servers.Length];
        for (var i = 0; i < calls; i++)
        {
            var result = await channel.CallInvoker.UnaryAsync(WhoAmI, new SimpleRequest(), CallOptions.WithTimeout(TimeSpan.FromSeconds(10)));
            counts[int.Parse(result.Response.ServerId, System.Globalization.CultureInfo.InvariantCulture)]++;
        }

        return counts;
    }

    private Task<TestServerHost> StartAsync(int index, int port, HealthService? health = null) => TestServerHost.StartAsync(app =>
    {
        var id = index.ToString(System.Globalization.CultureInfo.InvariantCulture);
        app.MapGrpcUnary(WhoAmI, (_, _) => Task.FromResult(new SimpleResponse { ServerId = id }));
        app.MapGrpcHealth();
        app.MapGrpcUnary(Hold, async (_, context) =>
        {
            await _release.Task.WaitAsync(context.CancellationToken);
            return new SimpleResponse { ServerId = id };
        });
    }, port: port, services: services =>
    {
        if (health is not null)
        {
            services.AddSingleton(health);
        }
    });

    private static async Task WaitUntilAsync(Func<bool> condition, TimeSpan timeout, GrpcChannel? channel = null)
    {
        var until = DateTime.UtcNow + timeout;
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < until, "condition not met in time; endpoints: "
                + string.Join("; ", channel?.GetEndpointStates().Select(e => e.ToString()) ?? []));
            await Task.Delay(20);
        }
    }
}
