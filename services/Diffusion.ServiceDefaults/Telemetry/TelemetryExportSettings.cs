using Microsoft.Extensions.Configuration;

namespace Diffusion.ServiceDefaults.Telemetry;

/// <summary>
/// Which signals are exported over OTLP, and how, from the standard variables (read through
/// <see cref="IConfiguration"/>, which for a host includes the environment). A signal is exported
/// only when an endpoint is configured for it, so a service started without a collector neither
/// connects to the exporter's default <c>localhost:4317</c> nor reports failed exports.
/// </summary>
/// <remarks>
/// Division of labour with OpenTelemetry .NET 1.20: the exporter added by <c>AddOtlpExporter</c>
/// reads the general OTEL_EXPORTER_OTLP_{ENDPOINT, PROTOCOL, HEADERS, TIMEOUT, COMPRESSION} itself
/// (appending <c>/v1/{signal}</c> to the endpoint for http/protobuf), but not the per-signal
/// OTEL_EXPORTER_OTLP_{TRACES,METRICS,LOGS}_* variants (only <c>UseOtlpExporter</c> does, and that
/// cannot leave one signal out). Those are parsed here and applied to the exporter options, where
/// they take precedence, with a signal endpoint used as is, as the specification says. The SDK
/// reads OTEL_TRACES_SAMPLER[_ARG], OTEL_BSP_*, OTEL_BLRP_*, OTEL_METRIC_EXPORT_INTERVAL,
/// OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES from the same configuration.
/// </remarks>
/// <param name="Traces">Span export.</param>
/// <param name="Metrics">Metric export.</param>
/// <param name="Logs">Log record export.</param>
public sealed record TelemetryExportSettings(
    SignalExportSettings Traces,
    SignalExportSettings Metrics,
    SignalExportSettings Logs)
{
    /// <summary>The base endpoint for all signals.</summary>
    public const string EndpointKey = "OTEL_EXPORTER_OTLP_ENDPOINT";

    /// <summary><c>grpc</c> (the .NET exporter's default) or <c>http/protobuf</c>.</summary>
    public const string ProtocolKey = "OTEL_EXPORTER_OTLP_PROTOCOL";

    /// <summary><c>true</c> turns every signal off.</summary>
    public const string SdkDisabledKey = "OTEL_SDK_DISABLED";

    /// <summary>Whether any signal has a setting that was present but unusable.</summary>
    public bool IsMisconfigured => Traces.IsMisconfigured || Metrics.IsMisconfigured || Logs.IsMisconfigured;

    /// <summary>Resolves the three signals from <paramref name="configuration"/>.</summary>
    public static TelemetryExportSettings Resolve(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        return new TelemetryExportSettings(
            SignalExportSettings.Resolve(configuration, "TRACES"),
            SignalExportSettings.Resolve(configuration, "METRICS"),
            SignalExportSettings.Resolve(configuration, "LOGS"));
    }

    /// <inheritdoc />
    public override string ToString() => $"traces: {Traces}; metrics: {Metrics}; logs: {Logs}";
}
