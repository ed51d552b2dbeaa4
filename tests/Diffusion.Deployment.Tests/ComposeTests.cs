using System.Text.Json;
using Diffusion.Deployment.Tests.Support;
using Diffusion.Gateway.Options;
using Diffusion.Hosting;
using Diffusion.Testing;

namespace Diffusion.Deployment.Tests;

/// <summary>docker-compose.yml (and deploy/compose.gpu.yml) against the services' code.</summary>
public sealed class ComposeTests
{
    private const string ComposeFile = "docker-compose.yml";
    private const string GpuOverride = "deploy/compose.gpu.yml";

    private static readonly Lazy<JsonElement> Compose = new(() => YamlFile.Load(ComposeFile));

    private static JsonElement Service(string name) => Compose.Value.At($"services.{name}");

    private static IReadOnlyDictionary<string, string> Environment(string name) => Service(name).At("environment").Map();

    [Fact]
    public void Services_AllFourAndJaeger_Present()
    {
        var names = Compose.Value.At("services").EnumerateObject().Select(p => p.Name).ToHashSet();

        foreach (var service in ServiceCatalog.All)
            Assert.Contains(service.Name, names);
        Assert.Contains("jaeger", names);
    }

    [Theory]
    [MemberData(nameof(ServiceCatalog.Names), MemberType = typeof(ServiceCatalog))]
    public void Build_DockerfileAndContext_Exist(string name)
    {
        var build = Service(name).At("build");
        string context = build.At("context").Text();
        string dockerfile = build.At("dockerfile").Text();

        Assert.Equal(".", context);
        Assert.Equal($"{ServiceCatalog.Get(name).DeployFolder}/Dockerfile", dockerfile);
        Assert.True(File.Exists(Path.Combine(TestPaths.RepoRoot, dockerfile)), $"{dockerfile} is missing");
    }

    [Theory]
    [MemberData(nameof(ServiceCatalog.ModelNames), MemberType = typeof(ServiceCatalog))]
    public void ModelService_ListensOnItsDefaultPort(string name)
    {
        var service = ServiceCatalog.Get(name);
        var env = Environment(name);

        Assert.Equal($"http://0.0.0.0:{service.Port}", env["ASPNETCORE_URLS"]);
        Assert.Contains(service.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), Service(name).At("expose").Items().Select(e => e.Text()));
    }

    [Theory]
    [MemberData(nameof(ServiceCatalog.Names), MemberType = typeof(ServiceCatalog))]
    public void Environment_EveryVariableIsReadAndValid(string name)
    {
        var service = ServiceCatalog.Get(name);
        var env = Environment(name);

        ConfigKeys.AssertKnown(service, env, $"{ComposeFile} {name}");
        ConfigKeys.AssertValid(service, env, $"{ComposeFile} {name}");
        Assert.Equal(name, env["OTEL_SERVICE_NAME"]);
    }

    [Theory]
    [MemberData(nameof(ServiceCatalog.ModelNames), MemberType = typeof(ServiceCatalog))]
    public void ModelService_MountsSharedModelsReadOnlyAtModelPath(string name)
    {
        var env = Environment(name);
        var volumes = Service(name).At("volumes").Items().Select(v => v.Text()).ToArray();

        Assert.Equal("/models", env["Diffusion__ModelPath"]);
        Assert.Contains("models:/models:ro", volumes);
        Assert.Equal("bind", Compose.Value.At("volumes.models.driver_opts.o").Text());
    }

    [Theory]
    [MemberData(nameof(ServiceCatalog.Names), MemberType = typeof(ServiceCatalog))]
    public void StopGracePeriod_LongerThanTheDrain(string name)
    {
        double drain = new ServiceHostOptions().DrainTimeoutSeconds;
        string grace = Service(name).At("stop_grace_period").Text();

        Assert.EndsWith("s", grace, StringComparison.Ordinal);
        Assert.True(double.Parse(grace[..^1], System.Globalization.CultureInfo.InvariantCulture) > drain,
            $"{name}: stop_grace_period {grace} must exceed Diffusion:DrainTimeoutSeconds {drain} s, or docker stop kills calls in flight");
    }

    [Fact]
    public void Gateway_StartsOnlyAfterEveryModelServiceIsHealthy()
    {
        var dependsOn = Service("gateway").At("depends_on");

        foreach (var service in ServiceCatalog.ModelServices)
            Assert.Equal("service_healthy", dependsOn.At($"{service.Name}.condition").Text());
    }

    [Fact]
    public void Gateway_PublishesItsPortAndAddressesEachServiceByName()
    {
        var env = Environment("gateway");
        var defaults = new GatewayOptions();

        Assert.Equal(defaults.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), env["Gateway__Port"]);
        Assert.Contains(Service("gateway").At("ports").Items(), p => p.Text().EndsWith($":{defaults.Port}", StringComparison.Ordinal));
        Assert.Equal($"http://{ServiceCatalog.TextEncoder.Name}:{ServiceCatalog.TextEncoder.Port}", env["Gateway__TextEncoder__Address"]);
        Assert.Equal($"http://{ServiceCatalog.VaeCodec.Name}:{ServiceCatalog.VaeCodec.Port}", env["Gateway__VaeCodec__Address"]);
        Assert.Equal(defaults.Auth.ApiKeysVariable, env.Keys.Single(k => k.EndsWith("API_KEYS", StringComparison.Ordinal)));
    }

    [Fact]
    public void Denoiser_ScalableAndDiscoveredByDns()
    {
        var denoiser = Service("denoiser");
        var env = Environment("gateway");

        // --scale needs no fixed container name and no host port (N replicas cannot share one).
        Assert.Null(denoiser.Find("container_name"));
        Assert.Null(denoiser.Find("ports"));
        Assert.Equal($"dns:///{ServiceCatalog.Denoiser.Name}:{ServiceCatalog.Denoiser.Port}", env["Gateway__Denoiser__Address"]);
        Assert.DoesNotContain(env.Keys, k => k.StartsWith("Gateway__Denoiser__Addresses", StringComparison.Ordinal));
    }

    [Fact]
    public void Jaeger_OtlpEnabledAndEveryServiceExportsToIt()
    {
        var jaeger = Service("jaeger");
        var ports = jaeger.At("ports").Items().Select(p => p.Text()).ToArray();

        Assert.Equal("true", jaeger.At("environment.COLLECTOR_OTLP_ENABLED").Text());
        foreach (int port in new[] { 16686, 4317, 4318 })
            Assert.Contains(ports, p => p.StartsWith($"{port}:{port}", StringComparison.Ordinal));
        foreach (var service in ServiceCatalog.All)
        {
            Assert.Equal("http://jaeger:4317", Environment(service.Name)["OTEL_EXPORTER_OTLP_ENDPOINT"]);
            Assert.Equal("grpc", Environment(service.Name)["OTEL_EXPORTER_OTLP_PROTOCOL"]);
        }
    }

    [Theory]
    [MemberData(nameof(ServiceCatalog.ModelNames), MemberType = typeof(ServiceCatalog))]
    public void GpuOverride_UsesCudaDockerfileDeviceAndAGpu(string name)
    {
        var service = YamlFile.Load(GpuOverride).At($"services.{name}");
        string dockerfile = service.At("build.dockerfile").Text();
        // Compose merges an override's environment into the base file's.
        var env = new Dictionary<string, string>(Environment(name), StringComparer.Ordinal);
        foreach (var (key, value) in service.At("environment").Map())
            env[key] = value;
        var devices = service.At("deploy.resources.reservations.devices").Items().ToArray();

        Assert.Equal($"{ServiceCatalog.Get(name).DeployFolder}/Dockerfile.cuda", dockerfile);
        Assert.True(File.Exists(Path.Combine(TestPaths.RepoRoot, dockerfile)), $"{dockerfile} is missing");
        Assert.Equal("cuda", env["Diffusion__Device"]);
        ConfigKeys.AssertValid(ServiceCatalog.Get(name), env, $"{GpuOverride} {name}");
        Assert.Contains(devices, d => d.At("driver").Text() == "nvidia" && d.At("capabilities").Items().Any(c => c.Text() == "gpu"));
    }
}
