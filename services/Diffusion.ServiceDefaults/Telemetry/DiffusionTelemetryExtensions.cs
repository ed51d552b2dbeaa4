using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using OpenTelemetry.Logs;

namespace Diffusion.ServiceDefaults.Telemetry;

/// <summary>Registration of the telemetry pipeline in a host.</summary>
public static class DiffusionTelemetryExtensions
{
    /// <summary>
    /// Adds traces, metrics and logs for a service: <see cref="DiffusionTelemetry"/> (built before
    /// the server starts, flushed and disposed with the host), <see cref="DiffusionMetrics"/> as a
    /// singleton, console logs with trace ids, and OTLP export of each signal whose endpoint is
    /// configured (see <see cref="TelemetryExportSettings"/>). Call once, before
    /// <c>builder.Build()</c>, after configuration sources are added.
    /// </summary>
    /// <param name="builder">The service's host builder.</param>
    /// <param name="serviceName">The <c>service.name</c>, e.g. <c>denoiser</c>; OTEL_SERVICE_NAME overrides it.</param>
    /// <param name="configure">Adjusts the options (sources, export delays, console format).</param>
    /// <exception cref="ArgumentException">The options are not usable.</exception>
    /// <exception cref="InvalidOperationException">Telemetry was already added to this builder.</exception>
    public static TBuilder AddDiffusionTelemetry<TBuilder>(
        this TBuilder builder,
        string serviceName,
        Action<DiffusionTelemetryOptions>? configure = null)
        where TBuilder : IHostApplicationBuilder
    {
        ArgumentNullException.ThrowIfNull(builder);
        if (builder.Services.Any(d => d.ServiceType == typeof(DiffusionTelemetry)))
        {
            // A second call would add a second set of console and OTLP log providers.
            throw new InvalidOperationException("Diffusion telemetry is already added to this host builder.");
        }

        var options = new DiffusionTelemetryOptions { ServiceName = serviceName };
        configure?.Invoke(options);
        options.Validate();

        // Logging providers are registered now, so whether logs are exported is decided from the
        // configuration as it stands at this call; traces and metrics decide when the host builds.
        var export = TelemetryExportSettings.Resolve(builder.Configuration);
        DiffusionLogging.Configure(builder.Logging, builder.Environment, options, export.Logs);
        builder.Services.AddDiffusionTelemetry(options);
        return builder;
    }

    /// <summary>
    /// Registers the tracing and metrics pipeline and <see cref="DiffusionMetrics"/> without
    /// touching logging (the <see cref="IHostApplicationBuilder"/> overload also sets up logs).
    /// OTEL_* settings come from the container's <see cref="IConfiguration"/>, else the environment.
    /// </summary>
    /// <exception cref="ArgumentException">The options are not usable.</exception>
    public static IServiceCollection AddDiffusionTelemetry(this IServiceCollection services, DiffusionTelemetryOptions options)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();

        services.AddMetrics();
        services.TryAddSingleton<DiffusionMetrics>();
        services.TryAddSingleton(options);
        services.TryAddSingleton(sp => DiffusionTelemetry.CreateCore(
            sp.GetRequiredService<DiffusionTelemetryOptions>(),
            sp.GetService<IConfiguration>(),
            // Present only when OTLP log export was registered; flushed together with the rest.
            sp.GetService<LoggerProvider>()));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, TelemetryLifetimeService>());
        return services;
    }
}
