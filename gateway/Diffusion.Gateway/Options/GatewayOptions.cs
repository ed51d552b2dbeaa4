namespace Diffusion.Gateway.Options;

/// <summary>
/// Everything the gateway reads from configuration section <c>Gateway</c> (appsettings.json,
/// then environment variables <c>Gateway__X__Y</c>, then command-line <c>--Gateway:X:Y=v</c>).
/// Defaults here equal the documented ones in appsettings.json.
/// </summary>
public sealed class GatewayOptions
{
    /// <summary>The configuration section name.</summary>
    public const string SectionName = "Gateway";

    /// <summary>IP address to listen on: "0.0.0.0" (every IPv4 interface), "::" (every interface),
    /// "localhost" or an address literal. Key <c>Gateway:ListenAddress</c>.</summary>
    public string ListenAddress { get; set; } = "0.0.0.0";

    /// <summary>TCP port of the gRPC endpoint (HTTP/2; h2c, or TLS when <see cref="Tls"/> has a
    /// certificate); 0 picks a free port. Key <c>Gateway:Port</c>.</summary>
    public int Port { get; set; } = 50050;

    /// <summary>The text encoder service (<c>Gateway:TextEncoder:*</c>).</summary>
    public DownstreamOptions TextEncoder { get; set; } = new() { Address = "http://localhost:50051" };

    /// <summary>The denoiser replicas (<c>Gateway:Denoiser:*</c>).</summary>
    public DenoiserOptions Denoiser { get; set; } = new();

    /// <summary>The VAE codec service (<c>Gateway:VaeCodec:*</c>).</summary>
    public DownstreamOptions VaeCodec { get; set; } = new() { Address = "http://localhost:50053" };

    /// <summary>Deadlines and readiness timing (<c>Gateway:Deadlines:*</c>).</summary>
    public DeadlineOptions Deadlines { get; set; } = new();

    /// <summary>Request limits and defaults (<c>Gateway:Limits:*</c>).</summary>
    public LimitOptions Limits { get; set; } = new();

    /// <summary>Admission control (<c>Gateway:Admission:*</c>).</summary>
    public AdmissionOptions Admission { get; set; } = new();

    /// <summary>API keys (<c>Gateway:Auth:*</c>).</summary>
    public AuthOptions Auth { get; set; } = new();

    /// <summary>TLS of the gateway's own endpoint (<c>Gateway:Tls:*</c>).</summary>
    public TlsOptions Tls { get; set; } = new();

    /// <summary>Throws <see cref="InvalidOperationException"/> naming the first unusable key.</summary>
    public void Validate()
    {
        if (Port is < 0 or > 65535)
            throw Invalid("Port", $"{Port} is not a TCP port (0-65535)");
        TextEncoder.Validate("TextEncoder", allowDns: false);
        VaeCodec.Validate("VaeCodec", allowDns: false);
        Denoiser.Validate("Denoiser", allowDns: true);
        Deadlines.Validate();
        Limits.Validate();
        Admission.Validate();
    }

    internal static InvalidOperationException Invalid(string key, string problem) =>
        new($"Configuration {SectionName}:{key}: {problem}.");
}
