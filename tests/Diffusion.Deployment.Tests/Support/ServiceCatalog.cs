using Diffusion.Denoiser;
using Diffusion.Gateway;
using Diffusion.Gateway.Options;
using Diffusion.TextEncoder;
using Diffusion.VaeCodec;

namespace Diffusion.Deployment.Tests.Support;

/// <summary>
/// One deployable service as its code defines it: the name used for its compose service,
/// Kubernetes objects and deploy/ folder (= its telemetry service.name), its project, assembly
/// and default port. Everything here comes from the services' own constants and project files,
/// so a change there fails the deployment tests until the manifests follow.
/// </summary>
internal sealed record ServiceInfo(string Name, string ProjectPath, string AssemblyName, int Port, bool IsModelService)
{
    /// <summary>The deploy/ folder holding the service's Dockerfiles.</summary>
    public string DeployFolder => $"deploy/{Name}";
}

/// <summary>The four services.</summary>
internal static class ServiceCatalog
{
    public static ServiceInfo TextEncoder { get; } = new(TextEncoderApp.ServiceName, "services/TextEncoder/Diffusion.TextEncoder.csproj",
        typeof(TextEncoderApp).Assembly.GetName().Name!, TextEncoderApp.DefaultPort, IsModelService: true);

    public static ServiceInfo Denoiser { get; } = new(DenoiserApp.ServiceName, "services/Denoiser/Diffusion.Denoiser.csproj",
        typeof(DenoiserApp).Assembly.GetName().Name!, DenoiserApp.DefaultPort, IsModelService: true);

    public static ServiceInfo VaeCodec { get; } = new(VaeCodecApp.ServiceName, "services/VaeCodec/Diffusion.VaeCodec.csproj",
        typeof(VaeCodecApp).Assembly.GetName().Name!, VaeCodecApp.DefaultPort, IsModelService: true);

    public static ServiceInfo Gateway { get; } = new(GatewayApp.ServiceName, "gateway/Diffusion.Gateway/Diffusion.Gateway.csproj",
        typeof(GatewayApp).Assembly.GetName().Name!, new GatewayOptions().Port, IsModelService: false);

    public static IReadOnlyList<ServiceInfo> All { get; } = [TextEncoder, Denoiser, VaeCodec, Gateway];

    public static IReadOnlyList<ServiceInfo> ModelServices { get; } = [TextEncoder, Denoiser, VaeCodec];

    /// <summary>xunit data: every service's name.</summary>
    public static TheoryData<string> Names() => new(All.Select(s => s.Name));

    /// <summary>xunit data: every model service's name.</summary>
    public static TheoryData<string> ModelNames() => new(ModelServices.Select(s => s.Name));

    public static ServiceInfo Get(string name) => All.Single(s => s.Name == name);
}
