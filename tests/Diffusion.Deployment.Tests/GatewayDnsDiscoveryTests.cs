using System.Net;
using Diffusion.Contracts.Rpc;
using Diffusion.Contracts.V1;
using Diffusion.Denoiser;
using Diffusion.Deployment.Tests.Support;
using Diffusion.Gateway;
using Diffusion.Grpc.Client;
using Diffusion.Hosting;
using Diffusion.TextEncoder;
using Diffusion.VaeCodec;
using Grpc.Health.V1;
using Xunit.Abstractions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Diffusion.Deployment.Tests;

/// <summary>
/// The real gateway in front of real denoiser replicas (tiny reference model) that it discovers by
/// address records, as under `docker compose up --scale denoiser=N` or a headless service: every
/// replica gets denoising runs, and a replica whose record appears later gets them after the next
/// resolution. The records come from a hosts-format file through the gateway's resolver hook
/// (<see cref="GatewayApp.DenoiserResolverKey"/>), since this machine's DNS cannot be edited.
/// </summary>
public sealed class GatewayDnsDiscoveryTests(ITestOutputHelper output) : IAsyncDisposable
{
    private static readonly string DenoisePath = $"/{DenoiserMethods.Denoise.FullName.TrimStart('/')}";

    private readonly List<WebApplication> _apps = [];
    private readonly string _hosts = Path.Combine(Path.GetTempPath(), $"deploy-gw-hosts-{Guid.NewGuid():N}");

    [ReferenceModelFact]
    public async Task Gateway_DenoiserReplicasByAddressRecords_AllServeAndAnAddedOneJoins()
    {
        string model = ReferenceModelTheoryAttribute.TinyModel!;
        var provider = new TorchModelProvider();
        var encoder = await StartAsync(args => TextEncoderApp.Build(args, provider, Quiet), "127.0.0.1", 0, model);
        var vae = await StartAsync(args => VaeCodecApp.Build(args, provider, Quiet), "127.0.0.1", 0, model);
        var counters = new List<CountingStartupFilter>();
        var first = await StartDenoiserAsync(provider, "127.0.0.1", 0, model, counters);
        int port = ServiceHost.GetListenAddress(first).Port;
        await StartDenoiserAsync(provider, "127.0.0.2", port, model, counters);
        await File.WriteAllLinesAsync(_hosts, ["127.0.0.1 denoiser", "127.0.0.2 denoiser"]);

        var gateway = GatewayApp.Build([], builder =>
        {
            Quiet(builder);
            builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Gateway:ListenAddress"] = "127.0.0.1",
                ["Gateway:Port"] = "0",
                ["Gateway:TextEncoder:Address"] = ServiceHost.GetListenAddress(encoder).ToString(),
                ["Gateway:Denoiser:Address"] = $"dns:///denoiser:{port}",
                ["Gateway:Denoiser:ResolveInterval"] = "00:00:01",
                ["Gateway:VaeCodec:Address"] = ServiceHost.GetListenAddress(vae).ToString(),
                ["Gateway:Auth:ApiKeysVariable"] = "",
                ["Gateway:Deadlines:ReadinessRetryInterval"] = "00:00:00.100",
            });
            builder.Services.AddKeyedSingleton<IAddressResolver>(GatewayApp.DenoiserResolverKey, new HostsFileResolver(_hosts, "denoiser", port));
        });
        _apps.Add(gateway);
        await gateway.StartAsync();
        using var client = GrpcChannel.ForAddress(GatewayApp.GetListenAddress(gateway));
        await WaitServingAsync(client, "");

        await GenerateAsync(client, count: 6);
        output.WriteLine($"denoising runs per replica after 6 requests, 2 records: {Counts(counters)}");
        Assert.All(counters, c => Assert.True(c.Count > 0, $"a replica got no denoising run: {Counts(counters)}"));

        // Scale up while traffic runs: a third replica, then its record; the traffic never pauses.
        using var stop = new CancellationTokenSource();
        int sent = 0;
        var traffic = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                await GenerateAsync(client, count: 1);
                Interlocked.Increment(ref sent);
            }
        });
        await StartDenoiserAsync(provider, "127.0.0.3", port, model, counters);
        await File.AppendAllLinesAsync(_hosts, ["127.0.0.3 denoiser"]);
        int sentAtRecord = Volatile.Read(ref sent);
        var until = DateTime.UtcNow.AddSeconds(30);
        while (counters[2].Count == 0 && DateTime.UtcNow < until && !traffic.IsCompleted)
            await Task.Delay(50);
        int sentAtJoin = Volatile.Read(ref sent);
        await stop.CancelAsync();
        await traffic; // rethrows a failed request: nothing may fail while the replica joins
        output.WriteLine($"while traffic ran: the added replica got its first run after {sentAtJoin - sentAtRecord} requests " +
            $"(resolve interval 1 s); runs per replica {Counts(counters)}");

        Assert.True(counters[2].Count > 0, $"the added replica got no denoising run within 30 s of traffic: {Counts(counters)}");
    }

    public async ValueTask DisposeAsync()
    {
        for (int i = _apps.Count - 1; i >= 0; i--)
        {
            await _apps[i].StopAsync();
            await _apps[i].DisposeAsync();
        }
        File.Delete(_hosts);
    }

    private static void Quiet(WebApplicationBuilder builder) => builder.Logging.ClearProviders();

    private static string Counts(IEnumerable<CountingStartupFilter> counters) => string.Join(", ", counters.Select(c => c.Count));

    private async Task<WebApplication> StartDenoiserAsync(TorchModelProvider provider, string ip, int port, string model, List<CountingStartupFilter> counters)
    {
        var counter = new CountingStartupFilter(DenoisePath);
        counters.Add(counter);
        return await StartAsync(args => DenoiserApp.Build(args, provider, builder =>
        {
            Quiet(builder);
            builder.Services.AddSingleton<IStartupFilter>(counter);
        }), ip, port, model);
    }

    private async Task<WebApplication> StartAsync(Func<string[], WebApplication> build, string ip, int port, string model)
    {
        var app = build([$"--urls=http://{ip}:{port}", $"--Diffusion:ModelPath={model}"]);
        _apps.Add(app);
        await app.StartAsync();
        using var channel = GrpcChannel.ForAddress(ServiceHost.GetListenAddress(app));
        await WaitServingAsync(channel, "");
        return app;
    }

    private static async Task WaitServingAsync(GrpcChannel channel, string service)
    {
        var check = new Diffusion.Grpc.Method<HealthCheckRequest, HealthCheckResponse>(Diffusion.Grpc.MethodType.Unary, "grpc.health.v1.Health", "Check",
            HealthCheckRequest.Parser, HealthCheckResponse.Parser);
        var until = DateTime.UtcNow.AddSeconds(60);
        while ((await channel.CallInvoker.UnaryAsync(check, new HealthCheckRequest { Service = service })).Response.Status != HealthCheckResponse.Types.ServingStatus.Serving)
        {
            Assert.True(DateTime.UtcNow < until, "never became SERVING");
            await Task.Delay(50);
        }
    }

    private static async Task GenerateAsync(GrpcChannel client, int count)
    {
        // Sequential requests: least-outstanding then rotates among the idle replicas.
        for (int i = 0; i < count; i++)
        {
            var request = new GenerateRequest { Prompt = "a photo of a cat", Width = 32, Height = 32, Steps = 2, Seed = i, RawOutput = true };
            await client.CallInvoker.UnaryAsync(GatewayMethods.Generate, request, CallOptions.WithTimeout(TimeSpan.FromSeconds(60)));
        }
    }
}
