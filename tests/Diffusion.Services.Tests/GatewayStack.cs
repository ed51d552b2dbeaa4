using Diffusion.Contracts.Rpc;
using Diffusion.Contracts.V1;
using Diffusion.Denoiser;
using Diffusion.Gateway;
using Diffusion.Grpc;
using Diffusion.Grpc.Client;
using Diffusion.Hosting;
using Diffusion.TextEncoder;
using Diffusion.VaeCodec;
using Grpc.Health.V1;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;

namespace Diffusion.Services.Tests;

/// <summary>The real gateway in-process in front of the three services, all on loopback.</summary>
internal sealed class GatewayStack : IAsyncDisposable
{
    private static readonly Method<HealthCheckRequest, HealthCheckResponse> Check =
        new(MethodType.Unary, "grpc.health.v1.Health", "Check", HealthCheckRequest.Parser, HealthCheckResponse.Parser);

    private readonly List<RunningService> _services = [];
    private WebApplication? _gateway;
    private GrpcChannel? _client;

    public static async Task<GatewayStack> StartAsync(IModelProvider provider, string modelPath)
    {
        var stack = new GatewayStack();
        try
        {
            string model = $"Diffusion:ModelPath={modelPath}";
            var encoder = await RunningService.StartAsync<TextEncoderRuntime>(args => TextEncoderApp.Build(args, provider), true, model);
            stack._services.Add(encoder);
            var denoiser = await RunningService.StartAsync<DenoiserRuntime>(args => DenoiserApp.Build(args, provider), true, model);
            stack._services.Add(denoiser);
            var vae = await RunningService.StartAsync<VaeRuntime>(args => VaeCodecApp.Build(args, provider), true, model);
            stack._services.Add(vae);
            var config = new Dictionary<string, string?>
            {
                ["Gateway:ListenAddress"] = "127.0.0.1",
                ["Gateway:Port"] = "0",
                ["Gateway:TextEncoder:Address"] = ServiceHost.GetListenAddress(encoder.App).ToString(),
                ["Gateway:Denoiser:Addresses:0"] = ServiceHost.GetListenAddress(denoiser.App).ToString(),
                ["Gateway:VaeCodec:Address"] = ServiceHost.GetListenAddress(vae.App).ToString(),
                ["Gateway:Auth:ApiKeysVariable"] = "",
                ["Gateway:Deadlines:ReadinessRetryInterval"] = "00:00:00.100",
            };
            stack._gateway = GatewayApp.Build([], builder =>
            {
                builder.Logging.ClearProviders();
                builder.Configuration.AddInMemoryCollection(config);
            });
            await stack._gateway.StartAsync();
            stack._client = GrpcChannel.ForAddress(GatewayApp.GetListenAddress(stack._gateway));
            var until = DateTime.UtcNow.AddSeconds(15);
            while ((await stack._client.CallInvoker.UnaryAsync(Check, new HealthCheckRequest())).Response.Status != HealthCheckResponse.Types.ServingStatus.Serving)
            {
                if (DateTime.UtcNow > until) throw new TimeoutException("the gateway never became ready");
                await Task.Delay(25);
            }
            return stack;
        }
        catch
        {
            await stack.DisposeAsync();
            throw;
        }
    }

    public async Task<GenerateResponse> GenerateAsync(GenerateRequest request) =>
        (await _client!.CallInvoker.UnaryAsync(GatewayMethods.Generate, request, CallOptions.WithTimeout(TimeSpan.FromSeconds(60)))).Response;

    public async ValueTask DisposeAsync()
    {
        _client?.Dispose();
        if (_gateway is not null)
        {
            await _gateway.StopAsync();
            await _gateway.DisposeAsync();
        }
        foreach (var service in _services) await service.DisposeAsync();
    }
}
