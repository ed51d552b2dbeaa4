using Diffusion.Testing.Otlp;
using Microsoft.Extensions.Configuration;

namespace Diffusion.ServiceDefaults.Tests.Support;

/// <summary>OTEL_* settings as a service would see them, in memory so tests do not touch the process environment.</summary>
internal static class OtlpSettings
{
    public const string Grpc = "grpc";
    public const string HttpProtobuf = "http/protobuf";

    /// <summary>The receiver's base endpoint for <paramref name="protocol"/>, written as people write
    /// it in an environment variable (no trailing slash).</summary>
    public static string BaseEndpoint(OtlpReceiver receiver, string protocol) =>
        receiver.EndpointFor(protocol).ToString().TrimEnd('/');

    /// <summary>Every signal exported to <paramref name="receiver"/> with <paramref name="protocol"/>, plus extra settings.</summary>
    public static Dictionary<string, string?> For(OtlpReceiver receiver, string protocol, params (string Key, string Value)[] extra)
    {
        var settings = new Dictionary<string, string?>(StringComparer.Ordinal)
        {
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = BaseEndpoint(receiver, protocol),
            ["OTEL_EXPORTER_OTLP_PROTOCOL"] = protocol,
        };
        foreach (var (key, value) in extra)
        {
            settings[key] = value;
        }

        return settings;
    }

    public static IConfiguration Configuration(IEnumerable<KeyValuePair<string, string?>> settings) =>
        new ConfigurationBuilder().AddInMemoryCollection(settings).Build();

    public static IConfiguration Configuration(OtlpReceiver receiver, string protocol, params (string Key, string Value)[] extra) =>
        Configuration(For(receiver, protocol, extra));

    /// <summary>Generous enough for a loaded CI machine; a healthy flush takes milliseconds.</summary>
    public static readonly TimeSpan FlushTimeout = TimeSpan.FromSeconds(10);
}
