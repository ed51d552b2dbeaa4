using System.Net;

namespace Diffusion.Hosting;

/// <summary>The one h2c endpoint a service listens on.</summary>
public sealed record ListenEndpoint(IPAddress Address, int Port)
{
    /// <summary>Picks <paramref name="urls"/> (ASP.NET Core's <c>--urls</c>; the first of a
    /// semicolon-separated list), else <paramref name="listen"/> (<c>Diffusion:Listen</c>), else every
    /// interface on <paramref name="defaultPort"/>.</summary>
    /// <exception cref="InvalidOperationException">The URL is malformed or uses https (TLS terminates at the gateway).</exception>
    public static ListenEndpoint Resolve(string? urls, string? listen, int defaultPort)
    {
        string? text = FirstUrl(urls) ?? FirstUrl(listen);
        if (text is null)
            return new ListenEndpoint(IPAddress.Any, defaultPort);
        string key = FirstUrl(urls) is not null ? "urls" : "Diffusion:Listen";
        // Kestrel's wildcard hosts ("*", "+") are not valid URI hosts: substitute before parsing.
        string normalized = text.Replace("://*", "://0.0.0.0", StringComparison.Ordinal).Replace("://+", "://0.0.0.0", StringComparison.Ordinal);
        if (!Uri.TryCreate(normalized, UriKind.Absolute, out var uri) || uri.Scheme != Uri.UriSchemeHttp)
            throw new InvalidOperationException($"Configuration {key}: '{text}' is not an http:// URL (the model services speak h2c).");
        var address = uri.Host switch
        {
            "localhost" => IPAddress.Loopback,
            "0.0.0.0" => IPAddress.Any,
            var host when IPAddress.TryParse(host.Trim('[', ']'), out var ip) => ip,
            _ => throw new InvalidOperationException($"Configuration {key}: host '{uri.Host}' is not an IP address, '*' or 'localhost'."),
        };
        int port = uri.IsDefaultPort && !text.Contains(":80", StringComparison.Ordinal) ? defaultPort : uri.Port;
        return new ListenEndpoint(address, port);
    }

    /// <summary>The endpoint as a Kestrel URL, e.g. <c>http://127.0.0.1:50052</c> or <c>http://[::1]:0</c>.</summary>
    public string ToUrl() => Address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6
        ? $"http://[{Address}]:{Port}"
        : $"http://{Address}:{Port}";

    private static string? FirstUrl(string? value) =>
        value?.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault();
}
