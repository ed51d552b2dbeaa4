using Diffusion.Contracts.Rpc;
using Diffusion.Contracts.V1;
using Diffusion.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Diffusion.TextEncoder;

/// <summary>
/// Builds the text encoder service: tokenizer + CLIP text model from <c>Diffusion:ModelPath</c>
/// through the model provider, warmed up before SERVING, the prompt cache (section
/// <c>Diffusion:TextEncoder</c>) and the diffusion.v1.TextEncoder endpoints with health and
/// reflection. <c>Program.cs</c> runs it; the CLI (<c>diffusion serve text-encoder</c>) calls the same method.
/// </summary>
public static class TextEncoderApp
{
    /// <summary>The telemetry <c>service.name</c>.</summary>
    public const string ServiceName = "text-encoder";

    /// <summary>The port when neither <c>--urls</c> nor <c>Diffusion:Listen</c> is given.</summary>
    public const int DefaultPort = 50051;

    /// <summary>Builds the application; start it with <c>RunAsync</c> or <c>StartAsync</c>.</summary>
    /// <param name="args">Command-line arguments: <c>--urls http://127.0.0.1:PORT</c>, <c>--Diffusion:ModelPath=DIR</c>, ...</param>
    /// <param name="provider">Loads the text encoder; null = one registered by <paramref name="configure"/>.</param>
    /// <param name="configure">Runs after the defaults and before the options are read.</param>
    /// <exception cref="InvalidOperationException">A configuration value is unusable (names the key) or no provider is available.</exception>
    public static WebApplication Build(string[] args, IModelProvider? provider = null, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = ServiceHost.CreateBuilder(args, ServiceName, DefaultPort, provider, configure);
        var options = builder.Configuration.GetSection(TextEncoderOptions.SectionName).Get<TextEncoderOptions>() ?? new TextEncoderOptions();
        options.Validate();
        var services = builder.Services;
        services.AddSingleton(Options.Create(options));
        services.AddModel(sp => new ModelLoader<TextEncoderRuntime>(TextEncoderMethods.Service, () =>
        {
            var host = sp.GetRequiredService<IOptions<ServiceHostOptions>>().Value;
            var model = sp.GetRequiredService<IModelProvider>().LoadTextEncoder(host.ModelPath!, sp.GetRequiredService<ModelPlacement>());
            return new TextEncoderRuntime(model, options.CacheCapacity);
        },
        // One real forward pass: the unconditional prompt every guided request needs anyway.
        runtime => runtime.Model.Encode([""], 0, false)));
        services.AddSingleton<EncodeHandler>();
        services.AddSingleton<DescribeHandler>();

        var app = builder.Build();
        app.MapModelServiceInfrastructure(TextEncoderMethods.Service, TextEncoderReflection.Descriptor);
        var encode = app.Services.GetRequiredService<EncodeHandler>();
        var describe = app.Services.GetRequiredService<DescribeHandler>();
        app.MapModelUnary(TextEncoderMethods.Encode, encode.HandleAsync);
        app.MapModelUnary(TextEncoderMethods.Describe, describe.HandleAsync);
        return app;
    }
}
