using Diffusion.Contracts.Rpc;
using Diffusion.Contracts.V1;
using Diffusion.Gateway.Admission;
using Diffusion.Gateway.Downstream;
using Diffusion.Gateway.Generation;
using Diffusion.Gateway.Hosting;
using Diffusion.Gateway.Options;
using Diffusion.Gateway.Readiness;
using Diffusion.Gateway.Security;
using Diffusion.Grpc.Health;
using Diffusion.ServiceDefaults;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using ServingStatus = Grpc.Health.V1.HealthCheckResponse.Types.ServingStatus;

namespace Diffusion.Gateway;

/// <summary>
/// Builds the gateway: configuration (section <c>Gateway</c>, see <see cref="GatewayOptions"/>),
/// telemetry, the downstream clients, the health and readiness checks, authentication, and the
/// diffusion.v1.Gateway endpoints. <c>Program.cs</c> runs it; the CLI can host it in-process.
/// </summary>
public static class GatewayApp
{
    /// <summary>DI key of an optional <see cref="Diffusion.Grpc.Client.IAddressResolver"/> that
    /// replaces the configured denoiser addresses (tests, custom discovery).</summary>
    public const string DenoiserResolverKey = "Diffusion.Gateway.DenoiserResolver";

    /// <summary>The grpc.health.v1 service name that is SERVING while the process runs, whatever
    /// the downstreams (for a liveness probe; "" is the readiness one).</summary>
    public const string LivenessService = "liveness";

    /// <summary>The <c>service.name</c> of the gateway's telemetry.</summary>
    public const string ServiceName = "gateway";

    /// <summary>Builds the gateway application; start it with <c>RunAsync</c> or <c>StartAsync</c>.</summary>
    /// <param name="args">Command-line arguments (<c>--Gateway:Port=0</c> style overrides).</param>
    /// <param name="configure">Runs after the defaults and before the options are read: add
    /// configuration, replace services, adjust logging.</param>
    /// <exception cref="InvalidOperationException">A configuration value is unusable (the message names the key).</exception>
    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            Args = args,
            ContentRootPath = AppContext.BaseDirectory,
        });
        builder.AddDiffusionDefaults(ServiceName);
        configure?.Invoke(builder);

        var options = builder.Configuration.GetSection(GatewayOptions.SectionName).Get<GatewayOptions>() ?? new GatewayOptions();
        options.Validate();
        var keys = ApiKeyStore.Load(options.Auth);

        var services = builder.Services;
        services.AddSingleton(Microsoft.Extensions.Options.Options.Create(options));
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton(keys);
        services.AddGrpcTransport(grpc => grpc.MaxReceiveMessageSize = options.Limits.MaxRequestBytes);
        services.AddSingleton<DownstreamSet>();
        services.AddSingleton<DownstreamCatalog>();
        services.AddSingleton<AdmissionController>();
        services.AddSingleton<GenerationService>();
        services.AddHostedService<ReadinessMonitor>();
        builder.WebHost.ConfigureKestrel(kestrel => GatewayListener.Configure(kestrel, options));

        var app = builder.Build();
        // Not ready until the downstreams have been described and found compatible.
        var health = app.Services.GetRequiredService<HealthService>();
        health.SetStatus("", ServingStatus.NotServing);
        health.SetStatus(GatewayMethods.Service, ServingStatus.NotServing);
        health.SetStatus(LivenessService, ServingStatus.Serving);
        LogStartup(app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Diffusion.Gateway"), options, keys);

        app.UseMiddleware<ApiKeyMiddleware>();
        app.UseMiddleware<ReadinessMiddleware>();
        var generation = app.Services.GetRequiredService<GenerationService>();
        app.MapGrpcUnary(GatewayMethods.Generate, generation.GenerateAsync);
        app.MapGrpcServerStreaming(GatewayMethods.GenerateStream, generation.GenerateStreamAsync);
        app.MapGrpcHealth();
        app.MapGrpcReflection(GatewayReflection.Descriptor);
        return app;
    }

    /// <summary>The address the started gateway listens on (with the real port when 0 was configured).</summary>
    /// <exception cref="InvalidOperationException">The application has not started.</exception>
    public static Uri GetListenAddress(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault()
            ?? throw new InvalidOperationException("The gateway has not started: call StartAsync first.");
        return new Uri(address);
    }

    private static void LogStartup(ILogger logger, GatewayOptions options, ApiKeyStore keys)
    {
        if (keys.Enabled)
            logger.LogInformation("API key authentication on: {Count} key(s) accepted", keys.Count);
        else
            logger.LogWarning("API key authentication OFF: no key in Gateway:Auth:ApiKeysFile or ${Variable}; every client is accepted",
                options.Auth.ApiKeysVariable);
        logger.LogInformation("Gateway on {Address}:{Port} ({Transport}); text encoder {Encoder}, denoiser {Denoiser}, VAE codec {Vae}; at most {MaxInFlight} generations in flight",
            options.ListenAddress, options.Port, options.Tls.Enabled ? "TLS" : "h2c", options.TextEncoder.Address,
            options.Denoiser.Addresses.Count > 0 ? string.Join(",", options.Denoiser.Addresses) : options.Denoiser.Address,
            options.VaeCodec.Address, options.Admission.MaxInFlight);
    }
}
