using OpenTelemetry.Resources;

namespace Diffusion.ServiceDefaults.Telemetry;

/// <summary>Builds the resource (who is reporting) shared by the three signals of a service.</summary>
internal static class DiffusionResource
{
    /// <summary>
    /// A new builder per provider (providers attach their service provider to the builder, so one
    /// instance must not be shared). Later resources override earlier ones on merge, so the order
    /// gives the precedence the specification asks for: code default, then OTEL_RESOURCE_ATTRIBUTES,
    /// then OTEL_SERVICE_NAME. Both variables are read from the provider's IConfiguration.
    /// </summary>
    public static ResourceBuilder CreateBuilder(DiffusionTelemetryOptions options) =>
        ResourceBuilder.CreateEmpty()
            .AddService(options.ServiceName, serviceVersion: options.ServiceVersion, autoGenerateServiceInstanceId: true)
            .AddTelemetrySdk()
            .AddEnvironmentVariableDetector();
}
