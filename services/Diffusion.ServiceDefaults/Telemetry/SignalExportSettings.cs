using System.Globalization;
using Microsoft.Extensions.Configuration;
using OpenTelemetry.Exporter;

namespace Diffusion.ServiceDefaults.Telemetry;

/// <summary>Whether and where one signal is exported (see <see cref="TelemetryExportSettings"/>).</summary>
public sealed record SignalExportSettings
{
    private const string GrpcName = "grpc";
    private const string HttpProtobufName = "http/protobuf";

    private SignalExportSettings(
        bool enabled, Uri? endpoint, string protocol, string disabledReason, IReadOnlyList<string> problems, SignalOverrides overrides)
    {
        Enabled = enabled;
        Endpoint = endpoint;
        Protocol = protocol;
        DisabledReason = disabledReason;
        Problems = problems;
        Overrides = overrides;
    }

    /// <summary>Whether an OTLP exporter is added for the signal.</summary>
    public bool Enabled { get; }

    /// <summary>The configured endpoint (signal-specific, else the base one); null when none.</summary>
    public Uri? Endpoint { get; }

    /// <summary>The protocol in effect: <c>grpc</c> or <c>http/protobuf</c>.</summary>
    public string Protocol { get; }

    /// <summary>Why the signal is off; empty when it is on.</summary>
    public string DisabledReason { get; }

    /// <summary>Settings that were present but unusable (each is ignored, or turns the signal off).</summary>
    public IReadOnlyList<string> Problems { get; }

    /// <summary>Whether <see cref="Problems"/> is not empty.</summary>
    public bool IsMisconfigured => Problems.Count > 0;

    internal SignalOverrides Overrides { get; }

    /// <inheritdoc />
    public override string ToString()
    {
        var state = Enabled ? $"otlp {Protocol} {Endpoint}" : $"off ({DisabledReason})";
        return IsMisconfigured ? $"{state}, ignored: {string.Join("; ", Problems)}" : state;
    }

    internal static SignalExportSettings Resolve(IConfiguration configuration, string signal)
    {
        var problems = new List<string>();
        var overrides = ReadOverrides(configuration, signal, problems);

        var protocol = GrpcName;
        if (Read(configuration, TelemetryExportSettings.ProtocolKey) is { } baseProtocol)
        {
            if (TryParseProtocol(baseProtocol, out var parsed))
            {
                protocol = Name(parsed);
            }
            else
            {
                // The exporter ignores the value too (and reports it on its EventSource).
                problems.Add($"{TelemetryExportSettings.ProtocolKey}='{baseProtocol}' is not grpc or http/protobuf");
            }
        }

        if (overrides.Protocol is { } signalProtocol)
        {
            protocol = Name(signalProtocol);
        }

        if (string.Equals(Read(configuration, TelemetryExportSettings.SdkDisabledKey), "true", StringComparison.OrdinalIgnoreCase))
        {
            return Off($"{TelemetryExportSettings.SdkDisabledKey}=true");
        }

        // OTEL_{SIGNAL}_EXPORTER is a comma-separated list; "otlp" is the default and the only
        // exporter this build ships, "none" turns the signal off (SDK environment variables spec).
        var exporterKey = $"OTEL_{signal}_EXPORTER";
        if (Read(configuration, exporterKey) is { } exporters)
        {
            var names = exporters.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
            if (names.Contains("none", StringComparer.OrdinalIgnoreCase))
            {
                return Off($"{exporterKey}=none");
            }

            if (!names.Contains("otlp", StringComparer.OrdinalIgnoreCase))
            {
                problems.Add($"{exporterKey}='{exporters}' names no supported exporter (only otlp)");
                return Off($"{exporterKey} names no supported exporter");
            }
        }

        var signalKey = SignalKey(signal, "ENDPOINT");
        var endpointKey = signalKey;
        var endpointValue = Read(configuration, signalKey);
        if (endpointValue is null)
        {
            endpointKey = TelemetryExportSettings.EndpointKey;
            endpointValue = Read(configuration, endpointKey);
        }

        if (endpointValue is null)
        {
            return Off($"neither {TelemetryExportSettings.EndpointKey} nor {signalKey} is set");
        }

        if (!TryParseEndpoint(endpointValue, out var endpoint))
        {
            problems.Add($"{endpointKey}='{endpointValue}' is not an absolute http(s) URL");
            return Off($"{endpointKey} is not a URL");
        }

        if (endpointKey == signalKey)
        {
            overrides = overrides with { Endpoint = endpoint };
        }

        return new SignalExportSettings(true, endpoint, protocol, string.Empty, problems, overrides);

        SignalExportSettings Off(string reason) =>
            new(false, null, protocol, reason, problems, overrides);
    }

    private static SignalOverrides ReadOverrides(IConfiguration configuration, string signal, List<string> problems)
    {
        var overrides = new SignalOverrides();

        var protocolKey = SignalKey(signal, "PROTOCOL");
        if (Read(configuration, protocolKey) is { } protocol)
        {
            if (TryParseProtocol(protocol, out var parsed))
            {
                overrides = overrides with { Protocol = parsed };
            }
            else
            {
                problems.Add($"{protocolKey}='{protocol}' is not grpc or http/protobuf");
            }
        }

        if (Read(configuration, SignalKey(signal, "HEADERS")) is { } headers)
        {
            overrides = overrides with { Headers = headers };
        }

        var timeoutKey = SignalKey(signal, "TIMEOUT");
        if (Read(configuration, timeoutKey) is { } timeout)
        {
            if (int.TryParse(timeout, NumberStyles.None, CultureInfo.InvariantCulture, out var milliseconds) && milliseconds > 0)
            {
                overrides = overrides with { TimeoutMilliseconds = milliseconds };
            }
            else
            {
                problems.Add($"{timeoutKey}='{timeout}' is not a positive number of milliseconds");
            }
        }

        var compressionKey = SignalKey(signal, "COMPRESSION");
        if (Read(configuration, compressionKey) is { } compression)
        {
            if (string.Equals(compression, "gzip", StringComparison.OrdinalIgnoreCase))
            {
                overrides = overrides with { Compression = OtlpExportCompression.GZip };
            }
            else if (string.Equals(compression, "none", StringComparison.OrdinalIgnoreCase))
            {
                overrides = overrides with { Compression = OtlpExportCompression.None };
            }
            else
            {
                problems.Add($"{compressionKey}='{compression}' is not gzip or none");
            }
        }

        return overrides;
    }

    private static string SignalKey(string signal, string setting) => $"OTEL_EXPORTER_OTLP_{signal}_{setting}";

    private static bool TryParseProtocol(string value, out OtlpExportProtocol protocol)
    {
        if (string.Equals(value, GrpcName, StringComparison.OrdinalIgnoreCase))
        {
            protocol = OtlpExportProtocol.Grpc;
            return true;
        }

        protocol = OtlpExportProtocol.HttpProtobuf;
        return string.Equals(value, HttpProtobufName, StringComparison.OrdinalIgnoreCase);
    }

    private static string Name(OtlpExportProtocol protocol) =>
        protocol == OtlpExportProtocol.Grpc ? GrpcName : HttpProtobufName;

    private static bool TryParseEndpoint(string value, out Uri endpoint) =>
        Uri.TryCreate(value, UriKind.Absolute, out endpoint!)
        && (endpoint.Scheme == Uri.UriSchemeHttp || endpoint.Scheme == Uri.UriSchemeHttps);

    private static string? Read(IConfiguration configuration, string key) =>
        configuration[key] is { } value && !string.IsNullOrWhiteSpace(value) ? value.Trim() : null;
}

/// <summary>
/// Per-signal OTEL_EXPORTER_OTLP_{SIGNAL}_* values, which <c>AddOtlpExporter</c> does not read by
/// itself. Applied in the exporter's configure delegate, where they override the base settings.
/// </summary>
internal sealed record SignalOverrides(
    Uri? Endpoint = null,
    OtlpExportProtocol? Protocol = null,
    string? Headers = null,
    int? TimeoutMilliseconds = null,
    OtlpExportCompression? Compression = null)
{
    public void ApplyTo(OtlpExporterOptions options)
    {
        if (Protocol is { } protocol)
        {
            options.Protocol = protocol;
        }

        // Setting Endpoint also tells the exporter not to append /v1/{signal}: a signal-specific
        // endpoint is the full URL.
        if (Endpoint is { } endpoint)
        {
            options.Endpoint = endpoint;
        }

        if (Headers is { } headers)
        {
            options.Headers = headers;
        }

        if (TimeoutMilliseconds is { } timeout)
        {
            options.TimeoutMilliseconds = timeout;
        }

        if (Compression is { } compression)
        {
            options.Compression = compression;
        }
    }
}
