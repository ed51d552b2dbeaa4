using Microsoft.Extensions.Configuration;

namespace Diffusion.ServiceDefaults.Telemetry;

/// <summary>
/// Which signals are exported over OTLP, read from the standard variables (through
/// <see cref="IConfiguration"/>, which for a host includes the environment). A signal is exported
/// only when an endpoint is configured for it, so a service started without a collector neither
/// connects to the exporter's default <c>localhost:4317</c> nor reports failed exports.
/// </summary>
/// <remarks>
/// This type only decides whether to add an exporter. The exporter itself (OpenTelemetry
/// .NET 1.20) reads OTEL_EXPORTER_OTLP_[TRACES_|METRICS_|LOGS_]{ENDPOINT, PROTOCOL, HEADERS,
/// TIMEOUT, COMPRESSION}, and the SDK reads OTEL_TRACES_SAMPLER[_ARG], OTEL_BSP_*, OTEL_BLRP_*,
/// OTEL_METRIC_EXPORT_INTERVAL, OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES, all from the same
/// configuration.
/// </remarks>
/// <param name="Traces">Span export.</param>
/// <param name="Metrics">Metric export.</param>
/// <param name="Logs">Log record export.</param>
public sealed record TelemetryExportSettings(
    SignalExportSettings Traces,
    SignalExportSettings Metrics,
    SignalExportSettings Logs)
{
    /// <summary>The base endpoint for all signals (the exporter appends <c>/v1/{signal}</c> for http/protobuf).</summary>
    public const string EndpointKey = "OTEL_EXPORTER_OTLP_ENDPOINT";

    /// <summary><c>grpc</c> (the .NET exporter's default) or <c>http/protobuf</c>.</summary>
    public const string ProtocolKey = "OTEL_EXPORTER_OTLP_PROTOCOL";

    /// <summary><c>true</c> turns every signal off.</summary>
    public const string SdkDisabledKey = "OTEL_SDK_DISABLED";

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

/// <summary>Whether and where one signal is exported.</summary>
/// <param name="Enabled">Whether an OTLP exporter is added for the signal.</param>
/// <param name="Endpoint">The configured endpoint, or null when none.</param>
/// <param name="Protocol">The configured protocol, <c>grpc</c> when none is set.</param>
/// <param name="Reason">Why the signal is off (empty when enabled); for the start-up log line.</param>
/// <param name="IsMisconfigured">True when a setting was present but unusable (worth a warning).</param>
public sealed record SignalExportSettings(
    bool Enabled,
    Uri? Endpoint,
    string Protocol,
    string Reason,
    bool IsMisconfigured)
{
    private const string DefaultProtocol = "grpc";

    internal static SignalExportSettings Resolve(IConfiguration configuration, string signal)
    {
        var protocol = Read(configuration, $"OTEL_EXPORTER_OTLP_{signal}_PROTOCOL")
            ?? Read(configuration, TelemetryExportSettings.ProtocolKey)
            ?? DefaultProtocol;

        if (string.Equals(Read(configuration, TelemetryExportSettings.SdkDisabledKey), "true", StringComparison.OrdinalIgnoreCase))
        {
            return Off(protocol, $"{TelemetryExportSettings.SdkDisabledKey}=true", misconfigured: false);
        }

        // OTEL_{SIGNAL}_EXPORTER is a comma-separated list; "otlp" is the default and the only
        // exporter this build ships, "none" means off (OpenTelemetry SDK environment variables spec).
        var exporterKey = $"OTEL_{signal}_EXPORTER";
        if (Read(configuration, exporterKey) is { } exporters)
        {
            var names = exporters.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
            if (names.Contains("none", StringComparer.OrdinalIgnoreCase))
            {
                return Off(protocol, $"{exporterKey}=none", misconfigured: false);
            }

            if (!names.Contains("otlp", StringComparer.OrdinalIgnoreCase))
            {
                return Off(protocol, $"{exporterKey}={exporters} names no supported exporter (only otlp)", misconfigured: true);
            }
        }

        var signalKey = $"OTEL_EXPORTER_OTLP_{signal}_ENDPOINT";
        var key = signalKey;
        var endpoint = Read(configuration, signalKey);
        if (endpoint is null)
        {
            key = TelemetryExportSettings.EndpointKey;
            endpoint = Read(configuration, key);
        }

        if (endpoint is null)
        {
            return Off(protocol, $"neither {TelemetryExportSettings.EndpointKey} nor {signalKey} is set", misconfigured: false);
        }

        if (!Uri.TryCreate(endpoint, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            return Off(protocol, $"{key}='{endpoint}' is not an absolute http(s) URL", misconfigured: true);
        }

        return new SignalExportSettings(true, uri, protocol, string.Empty, IsMisconfigured: false);
    }

    /// <inheritdoc />
    public override string ToString() => Enabled ? $"otlp {Protocol} {Endpoint}" : $"off ({Reason})";

    private static SignalExportSettings Off(string protocol, string reason, bool misconfigured) =>
        new(false, null, protocol, reason, misconfigured);

    private static string? Read(IConfiguration configuration, string key) =>
        configuration[key] is { } value && !string.IsNullOrWhiteSpace(value) ? value.Trim() : null;
}
