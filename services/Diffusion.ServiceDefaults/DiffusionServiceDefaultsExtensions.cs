using Diffusion.ServiceDefaults.Telemetry;
using Microsoft.Extensions.Hosting;

namespace Diffusion.ServiceDefaults;

/// <summary>The one call every Diffusion service makes at start-up.</summary>
public static class DiffusionServiceDefaultsExtensions
{
    /// <summary>
    /// Applies the shared service defaults: today telemetry (see
    /// <see cref="DiffusionTelemetryExtensions.AddDiffusionTelemetry{TBuilder}(TBuilder, string, Action{DiffusionTelemetryOptions}?)"/>).
    /// Usage: <c>builder.AddDiffusionDefaults("denoiser");</c>
    /// </summary>
    /// <param name="builder">The service's host builder.</param>
    /// <param name="serviceName">The <c>service.name</c>, e.g. <c>denoiser</c>; OTEL_SERVICE_NAME overrides it.</param>
    /// <param name="configureTelemetry">Adjusts the telemetry options.</param>
    public static TBuilder AddDiffusionDefaults<TBuilder>(
        this TBuilder builder,
        string serviceName,
        Action<DiffusionTelemetryOptions>? configureTelemetry = null)
        where TBuilder : IHostApplicationBuilder
    {
        builder.AddDiffusionTelemetry(serviceName, configureTelemetry);
        return builder;
    }
}
