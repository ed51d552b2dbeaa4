using System.Net;
using System.Security.Cryptography.X509Certificates;
using Diffusion.Gateway.Options;
using Diffusion.Grpc.Server;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Diffusion.Gateway.Hosting;

/// <summary>The gateway's one Kestrel endpoint: HTTP/2 on the configured address and port, with
/// TLS when a certificate is configured.</summary>
internal static class GatewayListener
{
    public static void Configure(KestrelServerOptions kestrel, GatewayOptions options)
    {
        var certificate = options.Tls.Enabled ? LoadCertificate(options.Tls) : null;
        kestrel.ListenGrpc(ParseAddress(options.ListenAddress), options.Port, listen =>
        {
            if (certificate is not null)
                listen.UseHttps(certificate);
        });
    }

    /// <summary>"0.0.0.0", "::", "*", "localhost" or an IP literal.</summary>
    public static IPAddress ParseAddress(string value) => value.Trim() switch
    {
        "*" or "" => IPAddress.Any,
        "localhost" => IPAddress.Loopback,
        var text when IPAddress.TryParse(text, out var address) => address,
        _ => throw GatewayOptions.Invalid("ListenAddress", $"'{value}' is not an IP address, '*' or 'localhost'"),
    };

    /// <summary>Loads a PFX/PKCS#12 file, or a PEM certificate with its key (in <see cref="TlsOptions.KeyPath"/>
    /// or in the same file).</summary>
    public static X509Certificate2 LoadCertificate(TlsOptions tls)
    {
        string path = tls.CertificatePath;
        try
        {
            string extension = Path.GetExtension(path).ToLowerInvariant();
            if (extension is ".pfx" or ".p12")
                return X509CertificateLoader.LoadPkcs12FromFile(path, tls.Password);
            string keyPath = string.IsNullOrWhiteSpace(tls.KeyPath) ? path : tls.KeyPath;
            return string.IsNullOrEmpty(tls.Password)
                ? X509Certificate2.CreateFromPemFile(path, keyPath)
                : X509Certificate2.CreateFromEncryptedPemFile(path, tls.Password, keyPath);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or System.Security.Cryptography.CryptographicException or ArgumentException)
        {
            throw new InvalidOperationException($"Configuration Gateway:Tls: cannot load the certificate '{path}': {ex.Message}", ex);
        }
    }
}
