using Diffusion.Contracts;
using Diffusion.Contracts.Rpc;
using Diffusion.Contracts.V1;
using Diffusion.Denoiser;
using Diffusion.Gateway;
using Diffusion.Grpc.Client;
using Diffusion.Imaging;
using Diffusion.Pipelines.Generation;
using Diffusion.Schedulers;
using Diffusion.TextEncoder;
using Diffusion.VaeCodec;
using Google.Protobuf;
using Grpc.Health.V1;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;

namespace Diffusion.Services.Tests;

/// <summary>The real gateway in front of the three services (stand-in models) equals the in-process
/// pipeline on the same models bit for bit: the services split diffusers' stages and keep its
/// random draw order.</summary>
[Collection(TextEncoderCollection.Name)]
public sealed class GatewayParityTests : IAsyncLifetime
{
    private readonly StandInProvider _provider = new()
    {
        UNet = new StandInUNet(crossAttentionDim: StandInTextEncoder.Hidden),
        TextEncoder = new StandInTextEncoder(),
        Vae = new StandInVae(),
    };
    private readonly List<RunningService> _services = [];
    private WebApplication _gateway = null!;
    private GrpcChannel _client = null!;

    public async Task InitializeAsync()
    {
        var encoder = await RunningService.StartAsync<TextEncoderRuntime>(args => TextEncoderApp.Build(args, _provider));
        _services.Add(encoder);
        var denoiser = await RunningService.StartAsync<DenoiserRuntime>(args => DenoiserApp.Build(args, _provider));
        _services.Add(denoiser);
        var vae = await RunningService.StartAsync<VaeRuntime>(args => VaeCodecApp.Build(args, _provider));
        _services.Add(vae);
        var config = new Dictionary<string, string?>
        {
            ["Gateway:ListenAddress"] = "127.0.0.1",
            ["Gateway:Port"] = "0",
            ["Gateway:TextEncoder:Address"] = Diffusion.Hosting.ServiceHost.GetListenAddress(encoder.App).ToString(),
            ["Gateway:Denoiser:Addresses:0"] = Diffusion.Hosting.ServiceHost.GetListenAddress(denoiser.App).ToString(),
            ["Gateway:VaeCodec:Address"] = Diffusion.Hosting.ServiceHost.GetListenAddress(vae.App).ToString(),
            ["Gateway:Auth:ApiKeysVariable"] = "",
            ["Gateway:Deadlines:ReadinessRetryInterval"] = "00:00:00.100",
        };
        _gateway = GatewayApp.Build([], builder =>
        {
            builder.Logging.ClearProviders();
            builder.Configuration.AddInMemoryCollection(config);
        });
        await _gateway.StartAsync();
        _client = GrpcChannel.ForAddress(GatewayApp.GetListenAddress(_gateway));
        var check = new Diffusion.Grpc.Method<HealthCheckRequest, HealthCheckResponse>(Diffusion.Grpc.MethodType.Unary,
            "grpc.health.v1.Health", "Check", HealthCheckRequest.Parser, HealthCheckResponse.Parser);
        var until = DateTime.UtcNow.AddSeconds(15);
        while ((await _client.CallInvoker.UnaryAsync(check, new HealthCheckRequest())).Response.Status != HealthCheckResponse.Types.ServingStatus.Serving)
        {
            if (DateTime.UtcNow > until) throw new TimeoutException("the gateway never became ready");
            await Task.Delay(25);
        }
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _gateway.StopAsync();
        await _gateway.DisposeAsync();
        foreach (var service in _services) await service.DisposeAsync();
    }

    private static byte[] Picture(int salt, int channels = 3)
    {
        var pixels = new byte[64 * 64 * channels];
        for (int i = 0; i < pixels.Length; i++) pixels[i] = (byte)((i * 7 + salt * 13 + i / 190) % 256);
        return PngEncoder.Encode(pixels, 64, 64, channels);
    }

    private static byte[] Mask()
    {
        var pixels = new byte[64 * 64];
        for (int y = 0; y < 64; y++)
            for (int x = 0; x < 64; x++) pixels[y * 64 + x] = (byte)(x >= 24 && x < 48 && y >= 16 ? 255 : 0);
        return PngEncoder.Encode(pixels, 64, 64, 1);
    }

    public static TheoryData<string> Modes => new() { "txt2img Euler a", "txt2img DDIM unguided", "img2img DPM++ 2M", "inpaint Euler a" };

    [Theory]
    [MemberData(nameof(Modes))]
    public async Task Generate_ThroughTheServices_EqualsTheInProcessPipeline(string mode)
    {
        var request = new GenerateRequest
        {
            Prompt = "a lighthouse at dusk",
            NegativePrompt = mode.Contains("inpaint") ? "blurry" : "",
            Width = 64,
            Height = 64,
            Steps = 5,
            Seed = 1234,
            NumImages = 2,
            Scheduler = mode[(mode.IndexOf(' ') + 1)..].Replace(" unguided", ""),
            RawOutput = true,
        };
        if (mode.Contains("unguided")) request.GuidanceScale = 1f;
        if (mode.StartsWith("img2img") || mode.StartsWith("inpaint"))
        {
            request.InitImage = ByteString.CopyFrom(Picture(3));
            request.Strength = 0.6f;
        }
        if (mode.StartsWith("inpaint"))
            request.MaskImage = ByteString.CopyFrom(Mask());

        var response = (await _client.CallInvoker.UnaryAsync(GatewayMethods.Generate, request,
            CallOptions.WithTimeout(TimeSpan.FromSeconds(30)))).Response;

        using var pipeline = new StableDiffusionPipeline(new StandInTextEncoder(), new StandInUNet(crossAttentionDim: StandInTextEncoder.Hidden),
            new StandInVae(), SchedulerConfig.Parse(StandInProvider.Sd15SchedulerConfig), new SeededNoiseFactory());
        var expected = await pipeline.GenerateAsync(new GenerationRequest
        {
            Prompts = [request.Prompt],
            NegativePrompts = [request.NegativePrompt],
            Steps = request.Steps,
            GuidanceScale = request.HasGuidanceScale ? request.GuidanceScale : 7.5f,
            Scheduler = request.Scheduler,
            Seed = request.Seed,
            Width = 64,
            Height = 64,
            NumImages = 2,
            InitImage = request.InitImage.IsEmpty ? null : PngDecoder.Decode(request.InitImage.Span),
            Strength = request.Strength == 0 ? 0.8f : request.Strength,
            Mask = request.MaskImage.IsEmpty ? null : PngDecoder.Decode(request.MaskImage.Span),
        });

        Assert.Equal(2, response.Images.Count);
        Assert.Equal(expected.FinalLatents, Tensors.ToFloats(response.FinalLatents));
        Assert.Equal(expected.Image, Tensors.ToFloats(response.RawImage));
    }
}
