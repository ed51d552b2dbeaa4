using Diffusion.Contracts.Rpc;
using Diffusion.Contracts.V1;
using Diffusion.Gateway.Downstream;
using Diffusion.Gateway.Tests.Fakes;
using Diffusion.Grpc;
using Diffusion.Grpc.Client;
using Grpc.Health.V1;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Diffusion.Gateway.Tests.Support;

/// <summary>How a test wants its gateway and fakes.</summary>
internal sealed class HarnessSettings
{
    public int Denoisers { get; set; } = 1;

    /// <summary>Gateway configuration on top of the harness defaults (keys without the "Gateway:" prefix).</summary>
    public Dictionary<string, string?> Config { get; } = [];

    /// <summary>Give the denoiser addresses through a <see cref="SwitchableResolver"/> instead of configuration.</summary>
    public bool UseResolver { get; set; }

    /// <summary>Adjusts the fakes before they start.</summary>
    public Action<FakeTextEncoder, IReadOnlyList<FakeDenoiser>, FakeVaeCodec>? Fakes { get; set; }

    /// <summary>Wait until the gateway reports SERVING.</summary>
    public bool WaitReady { get; set; } = true;

    /// <summary>The client's HTTP handler (TLS tests) and the scheme it talks.</summary>
    public Func<System.Net.Http.HttpMessageHandler>? ClientHandler { get; set; }
}

/// <summary>A gateway in-process on loopback (port 0) in front of fake TextEncoder, Denoiser(s) and VaeCodec.</summary>
internal sealed class GatewayHarness : IAsyncDisposable
{
    public static readonly Method<HealthCheckRequest, HealthCheckResponse> HealthCheck =
        new(MethodType.Unary, "grpc.health.v1.Health", "Check", HealthCheckRequest.Parser, HealthCheckResponse.Parser);

    private readonly List<FakeHost> _hosts = [];

    private GatewayHarness()
    {
    }

    public FakeTextEncoder Encoder { get; } = new();

    public List<FakeDenoiser> Denoisers { get; } = [];

    public List<FakeHost> DenoiserHosts { get; } = [];

    public FakeVaeCodec Vae { get; } = new();

    public SwitchableResolver? Resolver { get; private set; }

    public WebApplication App { get; private set; } = null!;

    public GrpcChannel Client { get; private set; } = null!;

    public DownstreamSet Downstreams => App.Services.GetRequiredService<DownstreamSet>();

    /// <summary>Encode, Denoise, VAE encode and decode calls made so far (Describe excluded).</summary>
    public int WorkCalls => Encoder.Calls.Count + Denoisers.Sum(d => d.Calls.Count) + Vae.EncodeCalls.Count + Vae.DecodeCalls.Count;

    public static async Task<GatewayHarness> StartAsync(HarnessSettings? settings = null)
    {
        settings ??= new HarnessSettings();
        var harness = new GatewayHarness();
        try
        {
            await harness.StartCoreAsync(settings);
            return harness;
        }
        catch
        {
            await harness.DisposeAsync();
            throw;
        }
    }

    public static GenerateRequest Request(string prompt = "a lighthouse at dusk", long? seed = 42)
    {
        var request = new GenerateRequest { Prompt = prompt, Steps = 4 };
        if (seed is { } s)
            request.Seed = s;
        return request;
    }

    public async Task<GenerateResponse> GenerateAsync(GenerateRequest request, Metadata? headers = null, TimeSpan? timeout = null)
    {
        var result = await Client.CallInvoker.UnaryAsync(GatewayMethods.Generate, request, Options(headers, timeout));
        return result.Response;
    }

    /// <summary>The RpcException a Generate call ends with (fails the test if it succeeds).</summary>
    public async Task<RpcException> GenerateFailsAsync(GenerateRequest request, Metadata? headers = null, TimeSpan? timeout = null) =>
        await Assert.ThrowsAsync<RpcException>(() => GenerateAsync(request, headers, timeout));

    public static CallOptions Options(Metadata? headers = null, TimeSpan? timeout = null) =>
        new() { Deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(30)), Headers = headers };

    public async Task<HealthCheckResponse.Types.ServingStatus> HealthAsync(string service = "")
    {
        var result = await Client.CallInvoker.UnaryAsync(HealthCheck, new HealthCheckRequest { Service = service }, Options());
        return result.Response.Status;
    }

    public async Task WaitForHealthAsync(HealthCheckResponse.Types.ServingStatus expected, TimeSpan? timeout = null)
    {
        var end = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(10));
        var last = HealthCheckResponse.Types.ServingStatus.Unknown;
        while (DateTime.UtcNow < end)
        {
            last = await HealthAsync();
            if (last == expected)
                return;
            await Task.Delay(25);
        }
        throw new TimeoutException($"gateway health stayed {last}, expected {expected}");
    }

    /// <summary>Starts another denoiser replica (not yet known to the gateway).</summary>
    public async Task<(FakeDenoiser Denoiser, FakeHost Host)> AddDenoiserAsync(Action<FakeDenoiser>? configure = null)
    {
        var denoiser = new FakeDenoiser();
        configure?.Invoke(denoiser);
        var host = await FakeHost.StartAsync(denoiser.Map);
        _hosts.Add(host);
        Denoisers.Add(denoiser);
        DenoiserHosts.Add(host);
        return (denoiser, host);
    }

    public async ValueTask DisposeAsync()
    {
        Client?.Dispose();
        if (App is not null)
        {
            await App.StopAsync();
            await App.DisposeAsync();
        }
        foreach (var host in _hosts)
            await host.DisposeAsync();
    }

    private async Task StartCoreAsync(HarnessSettings settings)
    {
        var denoisers = Enumerable.Range(0, settings.Denoisers).Select(_ => new FakeDenoiser()).ToList();
        settings.Fakes?.Invoke(Encoder, denoisers, Vae);
        var encoderHost = await FakeHost.StartAsync(Encoder.Map);
        _hosts.Add(encoderHost);
        var vaeHost = await FakeHost.StartAsync(Vae.Map);
        _hosts.Add(vaeHost);
        foreach (var denoiser in denoisers)
        {
            var host = await FakeHost.StartAsync(denoiser.Map);
            _hosts.Add(host);
            Denoisers.Add(denoiser);
            DenoiserHosts.Add(host);
        }

        var config = new Dictionary<string, string?>
        {
            ["ListenAddress"] = "127.0.0.1",
            ["Port"] = "0",
            ["TextEncoder:Address"] = encoderHost.Address.ToString(),
            ["VaeCodec:Address"] = vaeHost.Address.ToString(),
            ["Auth:ApiKeysVariable"] = "",
            ["Deadlines:ReadinessRetryInterval"] = "00:00:00.100",
            ["Deadlines:ReadinessMaxAge"] = "00:00:00.200",
        };
        foreach (var service in new[] { "TextEncoder", "Denoiser", "VaeCodec" })
        {
            config[$"{service}:InitialBackoff"] = "00:00:00.010";
            config[$"{service}:MaxBackoff"] = "00:00:00.050";
        }
        if (settings.UseResolver)
            Resolver = new SwitchableResolver(DenoiserHosts.Select(h => h.Address));
        else
            for (int i = 0; i < DenoiserHosts.Count; i++)
                config[$"Denoiser:Addresses:{i}"] = DenoiserHosts[i].Address.ToString();
        foreach (var (key, value) in settings.Config)
            config[key] = value;

        App = GatewayApp.Build([], builder =>
        {
            // GATEWAY_TEST_LOGS=1 keeps the gateway's console logs (debugging a failing test).
            if (Environment.GetEnvironmentVariable("GATEWAY_TEST_LOGS") != "1")
                builder.Logging.ClearProviders();
            builder.Configuration.AddInMemoryCollection(config.Select(kv => new KeyValuePair<string, string?>("Gateway:" + kv.Key, kv.Value)));
            if (Resolver is not null)
                builder.Services.AddKeyedSingleton<IAddressResolver>(GatewayApp.DenoiserResolverKey, Resolver);
        });
        await App.StartAsync();
        var address = App.GetListenAddress();
        Client = settings.ClientHandler is null
            ? GrpcChannel.ForAddress(address)
            : GrpcChannel.ForAddress(address, new GrpcChannelOptions { HttpHandler = settings.ClientHandler(), DisposeHttpHandler = true });
        if (settings.WaitReady)
            await WaitForHealthAsync(HealthCheckResponse.Types.ServingStatus.Serving);
    }
}
