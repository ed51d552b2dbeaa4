using Diffusion.Contracts.Rpc;
using Diffusion.Contracts.V1;
using Diffusion.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Diffusion.VaeCodec;

/// <summary>
/// Builds the VAE codec service: the AutoencoderKL from <c>Diffusion:ModelPath</c> through the model
/// provider, warmed up (one decode and one encode) before SERVING, and the diffusion.v1.VaeCodec
/// endpoints with health and reflection. <c>Program.cs</c> runs it; the CLI
/// (<c>diffusion serve vae-codec</c>) calls the same method.
/// </summary>
public static class VaeCodecApp
{
    /// <summary>The telemetry <c>service.name</c>.</summary>
    public const string ServiceName = "vae-codec";

    /// <summary>The port when neither <c>--urls</c> nor <c>Diffusion:Listen</c> is given.</summary>
    public const int DefaultPort = 50053;

    private const int WarmUpLatentSize = 8;

    /// <summary>Builds the application; start it with <c>RunAsync</c> or <c>StartAsync</c>.</summary>
    /// <param name="args">Command-line arguments: <c>--urls http://127.0.0.1:PORT</c>, <c>--Diffusion:ModelPath=DIR</c>, ...</param>
    /// <param name="provider">Loads the VAE and the random streams; null = one registered by <paramref name="configure"/>.</param>
    /// <param name="configure">Runs after the defaults and before the options are read.</param>
    /// <exception cref="InvalidOperationException">A configuration value is unusable (names the key) or no provider is available.</exception>
    public static WebApplication Build(string[] args, IModelProvider? provider = null, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = ServiceHost.CreateBuilder(args, ServiceName, DefaultPort, provider, configure);
        var options = builder.Configuration.GetSection(VaeCodecOptions.SectionName).Get<VaeCodecOptions>() ?? new VaeCodecOptions();
        options.Validate();
        var services = builder.Services;
        services.AddSingleton(Options.Create(options));
        services.AddModel(sp => new ModelLoader<VaeRuntime>(VaeCodecMethods.Service, () =>
        {
            var host = sp.GetRequiredService<IOptions<ServiceHostOptions>>().Value;
            var modelProvider = sp.GetRequiredService<IModelProvider>();
            return new VaeRuntime(modelProvider.LoadVae(host.ModelPath!, sp.GetRequiredService<ModelPlacement>()), modelProvider.NoiseSources);
        }, WarmUp));
        services.AddSingleton<DecodeHandler>();
        services.AddSingleton<EncodeHandler>();
        services.AddSingleton<DescribeHandler>();

        var app = builder.Build();
        app.MapModelServiceInfrastructure(VaeCodecMethods.Service, VaeCodecReflection.Descriptor);
        var decode = app.Services.GetRequiredService<DecodeHandler>();
        var encode = app.Services.GetRequiredService<EncodeHandler>();
        var describe = app.Services.GetRequiredService<DescribeHandler>();
        app.MapModelUnary(VaeCodecMethods.Decode, decode.HandleAsync);
        app.MapModelUnary(VaeCodecMethods.Encode, encode.HandleAsync);
        app.MapModelUnary(VaeCodecMethods.Describe, describe.HandleAsync);
        return app;
    }

    // One decode and one encode of a small input: both halves of the autoencoder run once.
    private static void WarmUp(VaeRuntime runtime)
    {
        var info = runtime.Model.Info;
        int side = WarmUpLatentSize * info.DownscaleFactor;
        runtime.Model.Decode(new float[info.LatentChannels * WarmUpLatentSize * WarmUpLatentSize],
            [1, info.LatentChannels, WarmUpLatentSize, WarmUpLatentSize], false);
        runtime.Model.Encode(new float[3 * side * side], [1, 3, side, side], false);
    }
}
