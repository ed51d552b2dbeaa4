namespace Diffusion.Gateway.Options;

/// <summary>The gateway endpoint's certificate; none configured = h2c (plain HTTP/2).</summary>
public sealed class TlsOptions
{
    /// <summary>A PFX/PKCS#12 file (.pfx, .p12) or a PEM certificate (chain) file.</summary>
    public string CertificatePath { get; set; } = "";

    /// <summary>The PEM private key file; empty = the key is in <see cref="CertificatePath"/>.</summary>
    public string KeyPath { get; set; } = "";

    /// <summary>Password of the PFX file or of an encrypted PEM key.</summary>
    public string Password { get; set; } = "";

    /// <summary>Whether a certificate is configured.</summary>
    public bool Enabled => !string.IsNullOrWhiteSpace(CertificatePath);
}
