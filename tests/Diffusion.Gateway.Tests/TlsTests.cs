using System.Net.Http;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Diffusion.Gateway.Tests.Support;

namespace Diffusion.Gateway.Tests;

/// <summary>The gateway serves TLS (HTTP/2 over TLS, ALPN h2) with a PFX or a PEM certificate.</summary>
public sealed class TlsTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("gateway-tls-").FullName;
    private readonly X509Certificate2 _certificate = CreateSelfSigned();

    public void Dispose()
    {
        _certificate.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    [Fact]
    public async Task Generate_PfxCertificate_ServedOverTls()
    {
        string pfx = Path.Combine(_dir, "gateway.pfx");
        File.WriteAllBytes(pfx, _certificate.Export(X509ContentType.Pfx, "s3cret"));
        var settings = Settings();
        settings.Config["Tls:CertificatePath"] = pfx;
        settings.Config["Tls:Password"] = "s3cret";
        await using var harness = await GatewayHarness.StartAsync(settings);

        var response = await harness.GenerateAsync(GatewayHarness.Request());

        Assert.Equal("https", harness.App.GetListenAddress().Scheme);
        Assert.Single(response.Images);
    }

    [Fact]
    public async Task Generate_PemCertificateAndKey_ServedOverTls()
    {
        string cert = Path.Combine(_dir, "tls.crt");
        string key = Path.Combine(_dir, "tls.key");
        File.WriteAllText(cert, _certificate.ExportCertificatePem());
        using (var rsa = _certificate.GetRSAPrivateKey()!)
            File.WriteAllText(key, rsa.ExportPkcs8PrivateKeyPem());
        var settings = Settings();
        settings.Config["Tls:CertificatePath"] = cert;
        settings.Config["Tls:KeyPath"] = key;
        await using var harness = await GatewayHarness.StartAsync(settings);

        var response = await harness.GenerateAsync(GatewayHarness.Request());

        Assert.Single(response.Images);
    }

    [Fact]
    public void Build_CertificateMissing_FailsNamingTheKey()
    {
        var error = Assert.Throws<InvalidOperationException>(() => GatewayApp.Build(["--Gateway:Tls:CertificatePath=" + Path.Combine(_dir, "none.pfx")]));

        Assert.StartsWith("Configuration Gateway:Tls: cannot load the certificate", error.Message, StringComparison.Ordinal);
    }

    private HarnessSettings Settings() => new()
    {
        // The client trusts exactly this certificate.
        ClientHandler = () => new SocketsHttpHandler
        {
            SslOptions = { RemoteCertificateValidationCallback = (_, presented, _, _) => presented is not null && presented.GetCertHashString() == _certificate.GetCertHashString() },
        },
    };

    private static X509Certificate2 CreateSelfSigned()
    {
        using var rsa = RSA.Create(2048);
        var request = new CertificateRequest("CN=gateway.test", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var san = new SubjectAlternativeNameBuilder();
        san.AddIpAddress(System.Net.IPAddress.Loopback);
        san.AddDnsName("localhost");
        request.CertificateExtensions.Add(san.Build());
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        return request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddHours(1));
    }
}
