using Diffusion.Contracts.Rpc;
using Diffusion.Contracts.V1;
using Diffusion.Hosting;
using Diffusion.Pipelines.Denoising;
using Diffusion.ServiceDefaults.Telemetry;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Diffusion.Denoiser;

/// <summary>
/// Builds the denoiser service: the UNet from <c>Diffusion:ModelPath</c> through the model provider,
/// warmed up before SERVING, one shared <see cref="DenoiseEngine"/> (section <c>Diffusion:Denoiser</c>),
/// and the diffusion.v1.Denoiser endpoints with health and reflection. <c>Program.cs</c> runs it; the
/// CLI (<c>diffusion serve denoiser</c>) calls the same method in-process.
/// </summary>
public static class DenoiserApp
{
    /// <summary>The telemetry <c>service.name</c>.</summary>
    public const string ServiceName = "denoiser";

    /// <summary>The port when neither <c>--urls</c> nor <c>Diffusion:Listen</c> is given.</summary>
    public const int DefaultPort = 50052;

    // A small warm-up: one real forward pass runs every kernel once (CLIP's 77 positions, an 8x8
    // latent) without the cost of a full-size image.
    private const int WarmUpSequenceLength = 77;
    private const int WarmUpLatentSize = 8;

    /// <summary>Builds the application; start it with <c>RunAsync</c> or <c>StartAsync</c>.</summary>
    /// <param name="args">Command-line arguments: <c>--urls http://127.0.0.1:PORT</c>, <c>--Diffusion:ModelPath=DIR</c>, ...</param>
    /// <param name="provider">Loads the UNet, scheduler config and random streams; null = one registered by <paramref name="configure"/>.</param>
    /// <param name="configure">Runs after the defaults and before the options are read.</param>
    /// <exception cref="InvalidOperationException">A configuration value is unusable (names the key) or no provider is available.</exception>
    public static WebApplication Build(string[] args, IModelProvider? provider = null, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = ServiceHost.CreateBuilder(args, ServiceName, DefaultPort, provider, configure);
        var denoiserOptions = builder.Configuration.GetSection(DenoiserOptions.SectionName).Get<DenoiserOptions>() ?? new DenoiserOptions();
        var engineOptions = denoiserOptions.ToEngineOptions();
        var services = builder.Services;
        services.AddSingleton(Options.Create(denoiserOptions));
        services.AddModel(sp => new ModelLoader<DenoiserRuntime>(DenoiserMethods.Service,
            () => Load(sp, engineOptions), WarmUp));
        services.AddSingleton<DenoiseHandler>();
        services.AddSingleton<DescribeHandler>();
        services.AddSingleton<DenoiserGauges>();

        var app = builder.Build();
        app.MapModelServiceInfrastructure(DenoiserMethods.Service, DenoiserReflection.Descriptor);
        app.Services.GetRequiredService<DenoiserGauges>();
        var denoise = app.Services.GetRequiredService<DenoiseHandler>();
        var describe = app.Services.GetRequiredService<DescribeHandler>();
        app.MapModelServerStreaming(DenoiserMethods.Denoise, denoise.HandleAsync);
        app.MapModelUnary(DenoiserMethods.Describe, describe.HandleAsync);
        return app;
    }

    private static DenoiserRuntime Load(IServiceProvider services, DenoiseEngineOptions engineOptions)
    {
        var provider = services.GetRequiredService<IModelProvider>();
        var options = services.GetRequiredService<IOptions<ServiceHostOptions>>().Value;
        var placement = services.GetRequiredService<ModelPlacement>();
        string modelDir = options.ModelPath!;
        var schedulerConfig = provider.LoadSchedulerConfig(modelDir);
        var unet = new InstrumentedUNet(provider.LoadUNet(modelDir, placement), services.GetService<DiffusionMetrics>());
        try
        {
            return new DenoiserRuntime(unet, new DenoiseEngine(unet, engineOptions), schedulerConfig, provider.NoiseSources);
        }
        catch
        {
            unet.Dispose();
            throw;
        }
    }

    private static void WarmUp(DenoiserRuntime runtime)
    {
        var unet = runtime.UNet;
        var info = unet.Info;
        using var conditioning = unet.Upload(new float[WarmUpSequenceLength * info.CrossAttentionDim], [1, WarmUpSequenceLength, info.CrossAttentionDim]);
        int plane = WarmUpLatentSize * WarmUpLatentSize;
        var sample = new float[info.InChannels * plane];
        var output = new float[info.OutChannels * plane];
        unet.Predict(sample, [1, info.InChannels, WarmUpLatentSize, WarmUpLatentSize], [999f], [conditioning], output);
    }
}
