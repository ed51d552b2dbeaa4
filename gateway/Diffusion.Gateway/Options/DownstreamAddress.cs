namespace Diffusion.Gateway.Options;

/// <summary>A parsed downstream target: a URI, or a DNS name and port for "dns:///host:port".</summary>
internal sealed record DownstreamAddress(Uri? Uri, string? DnsHost, int DnsPort)
{
    public const string DnsScheme = "dns:///";

    public bool IsDns => DnsHost is not null;

    public static DownstreamAddress Parse(string value, string key, bool allowDns)
    {
        if (value.StartsWith(DnsScheme, StringComparison.OrdinalIgnoreCase))
        {
            if (!allowDns)
                throw GatewayOptions.Invalid(key, $"'{value}': dns:/// targets are supported for the denoiser only");
            var hostPort = value[DnsScheme.Length..];
            int colon = hostPort.LastIndexOf(':');
            if (colon <= 0 || !int.TryParse(hostPort[(colon + 1)..], System.Globalization.NumberStyles.None,
                    System.Globalization.CultureInfo.InvariantCulture, out int port) || port is < 1 or > 65535)
                throw GatewayOptions.Invalid(key, $"'{value}' must read dns:///host:port");
            return new DownstreamAddress(null, hostPort[..colon], port);
        }
        if (!Uri.TryCreate(value, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
            throw GatewayOptions.Invalid(key, $"'{value}' must be http://host:port (h2c) or https://host:port (TLS)");
        return new DownstreamAddress(uri, null, 0);
    }
}
