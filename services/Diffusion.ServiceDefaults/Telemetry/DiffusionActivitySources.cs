using System.Diagnostics;
using System.Reflection;

namespace Diffusion.ServiceDefaults.Telemetry;

/// <summary>
/// One <see cref="ActivitySource"/> per Diffusion component, so that every span says which
/// component made it (its instrumentation scope), plus the names the telemetry wiring listens to.
/// </summary>
/// <remarks>
/// The sources live for the whole process and are never disposed. A span is only created when a
/// TracerProvider listens (see <see cref="DiffusionTelemetry"/>), so
/// <c>DiffusionActivitySources.Denoiser.StartActivity(...)</c> returns null otherwise: use <c>?.</c>.
/// </remarks>
public static class DiffusionActivitySources
{
    /// <summary>The orchestrating gateway.</summary>
    public const string GatewayName = "Diffusion.Gateway";

    /// <summary>The CLIP text encoder service.</summary>
    public const string TextEncoderName = "Diffusion.TextEncoder";

    /// <summary>The UNet denoiser service (one span per denoising step).</summary>
    public const string DenoiserName = "Diffusion.Denoiser";

    /// <summary>The VAE encoder/decoder service.</summary>
    public const string VaeCodecName = "Diffusion.VaeCodec";

    /// <summary>Our gRPC transport (services/Diffusion.Grpc owns that source; named here so the
    /// wiring lists it explicitly).</summary>
    public const string GrpcName = "Diffusion.Grpc";

    /// <summary>Every Diffusion source, current and future, as an OpenTelemetry wildcard.</summary>
    public const string AllDiffusionSources = "Diffusion.*";

    /// <summary>ASP.NET Core's server-side request Activities (one per incoming request).</summary>
    public const string AspNetCoreName = "Microsoft.AspNetCore";

    /// <summary>HttpClient's client-side request Activities; also what injects W3C traceparent.</summary>
    public const string HttpClientName = "System.Net.Http";

    private static readonly string? Version =
        typeof(DiffusionActivitySources).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion;

    /// <summary>Spans of the gateway: the Generate request and its calls to the model services.</summary>
    public static ActivitySource Gateway { get; } = new(GatewayName, Version);

    /// <summary>Spans of the text encoder: tokenisation and the CLIP forward pass.</summary>
    public static ActivitySource TextEncoder { get; } = new(TextEncoderName, Version);

    /// <summary>Spans of the denoiser: the loop and one child per step.</summary>
    public static ActivitySource Denoiser { get; } = new(DenoiserName, Version);

    /// <summary>Spans of the VAE codec: encode and decode.</summary>
    public static ActivitySource VaeCodec { get; } = new(VaeCodecName, Version);
}
