using System.Globalization;
using System.Reflection;
using System.Text.Json;
using Diffusion.Denoiser;
using Diffusion.Deployment.Tests.Support;
using Diffusion.Gateway;
using Diffusion.Hosting;
using Diffusion.Testing;

namespace Diffusion.Deployment.Tests;

/// <summary>k8s/base against the services' code: ports, probes, configuration, discovery, drain.</summary>
public sealed class KubernetesTests
{
    private static KustomizeTree Tree => KustomizeTree.Load();

    [Fact]
    public void Base_EveryYamlFileIsAResourceAndParses()
    {
        var onDisk = Directory.EnumerateFiles(Path.Combine(TestPaths.RepoRoot, KustomizeTree.Base), "*.yaml")
            .Select(f => $"{KustomizeTree.Base}/{Path.GetFileName(f)}")
            .Where(f => !f.EndsWith("/kustomization.yaml", StringComparison.Ordinal));

        Assert.Equal(onDisk.Order(StringComparer.Ordinal), Tree.ResourceFiles.Order(StringComparer.Ordinal));
        Assert.All(Tree.Objects, o => Assert.False(string.IsNullOrEmpty(o.At("apiVersion").Text())));
        Assert.Equal(Tree.Kustomization.At("namespace").Text(), Tree.Get("Namespace", "diffusion").At("metadata.name").Text());
    }

    [Theory]
    [MemberData(nameof(ServiceCatalog.Names), MemberType = typeof(ServiceCatalog))]
    public void Deployment_PortServiceAndImageAgreeWithTheService(string name)
    {
        var service = ServiceCatalog.Get(name);
        var container = Tree.Container(name);
        var port = Assert.Single(container.At("ports").Items());
        var svcPort = Assert.Single(Tree.Get("Service", name).At("spec.ports").Items());

        Assert.Equal(service.Port, port.At("containerPort").GetInt32());
        Assert.Equal(service.Port, svcPort.At("port").GetInt32());
        Assert.Equal(port.At("name").Text(), svcPort.At("targetPort").Text());
        Assert.Equal($"diffusion/{name}", container.At("image").Text());
        Assert.Equal(Tree.Get("Deployment", name).At("spec.selector.matchLabels").Map(), Tree.Get("Service", name).At("spec.selector").Map());
    }

    [Theory]
    [MemberData(nameof(ServiceCatalog.Names), MemberType = typeof(ServiceCatalog))]
    public void Probes_NativeGrpcHealthOnTheServicePort(string name)
    {
        var service = ServiceCatalog.Get(name);
        var container = Tree.Container(name);

        foreach (string probe in new[] { "startupProbe", "readinessProbe", "livenessProbe" })
        {
            var grpc = container.At($"{probe}.grpc");
            Assert.Equal(service.Port, grpc.At("port").GetInt32());
            string healthService = grpc.Find("service")?.Text() ?? "";
            // Gateway: "" = downstreams ready (readiness), "liveness" = process alive. Model
            // services only have "" (NOT_SERVING while loading, so startup covers the load).
            string expected = service.IsModelService || probe == "readinessProbe" ? "" : GatewayApp.LivenessService;
            Assert.Equal(expected, healthService);
        }
        if (service.IsModelService)
        {
            var startup = container.At("startupProbe");
            int budget = startup.At("periodSeconds").GetInt32() * startup.At("failureThreshold").GetInt32();
            Assert.True(budget >= 300, $"{name}: startup probe allows {budget} s to load a model; give it at least 5 minutes");
        }
    }

    [Theory]
    [MemberData(nameof(ServiceCatalog.Names), MemberType = typeof(ServiceCatalog))]
    public void Environment_EveryVariableIsReadAndValid(string name)
    {
        var service = ServiceCatalog.Get(name);
        var env = Tree.Environment(name);

        ConfigKeys.AssertKnown(service, env, $"k8s {name}");
        ConfigKeys.AssertValid(service, env, $"k8s {name}");
        Assert.Equal(name, env["OTEL_SERVICE_NAME"]);
        if (service.IsModelService)
            Assert.Equal($"http://0.0.0.0:{service.Port}", env["ASPNETCORE_URLS"]);
        else
            Assert.Equal(service.Port.ToString(CultureInfo.InvariantCulture), env["Gateway__Port"]);
    }

    [Fact]
    public void Gateway_ReachesEachServiceThroughItsKubernetesService()
    {
        var env = Tree.Environment("gateway");
        var denoiser = Tree.Get("Service", ServiceCatalog.Denoiser.Name);

        Assert.Equal($"http://{ServiceCatalog.TextEncoder.Name}:{ServiceCatalog.TextEncoder.Port}", env["Gateway__TextEncoder__Address"]);
        Assert.Equal($"http://{ServiceCatalog.VaeCodec.Name}:{ServiceCatalog.VaeCodec.Port}", env["Gateway__VaeCodec__Address"]);
        // Client-side balancing needs one DNS record per pod: a headless service and a dns:/// target.
        Assert.Equal("None", denoiser.At("spec.clusterIP").Text());
        Assert.Equal($"dns:///{denoiser.At("metadata.name").Text()}:{ServiceCatalog.Denoiser.Port}", env["Gateway__Denoiser__Address"]);
        Assert.Equal(new Gateway.Options.AuthOptions().ApiKeysVariable, Assert.Single(env.Keys, k => k.EndsWith("API_KEYS", StringComparison.Ordinal)));
    }

    [Theory]
    [MemberData(nameof(ServiceCatalog.Names), MemberType = typeof(ServiceCatalog))]
    public void TerminationGrace_CoversPreStopAndTheDrain(string name)
    {
        var pod = Tree.Get("Deployment", name).At("spec.template.spec");
        var env = Tree.Environment(name);
        double drain = env.TryGetValue("Diffusion__DrainTimeoutSeconds", out string? configured)
            ? double.Parse(configured, CultureInfo.InvariantCulture)
            : new ServiceHostOptions().DrainTimeoutSeconds;
        var preStop = Dockerfile.ExecForm(Tree.Container(name).At("lifecycle.preStop.exec.command").GetRawText());
        Assert.Equal("sleep", preStop[0]);
        double sleep = double.Parse(preStop[1], CultureInfo.InvariantCulture);

        int grace = pod.At("terminationGracePeriodSeconds").GetInt32();

        Assert.True(grace >= drain + sleep + 5, $"{name}: terminationGracePeriodSeconds {grace} < drain {drain} s + preStop {sleep} s + 5 s margin");
    }

    [Theory]
    [MemberData(nameof(ServiceCatalog.ModelNames), MemberType = typeof(ServiceCatalog))]
    public void Models_PvcMountedReadOnlyAtTheModelPath(string name)
    {
        var pod = Tree.Get("Deployment", name).At("spec.template.spec");
        string modelPath = Tree.Environment(name)["Diffusion__ModelPath"];
        var mount = Assert.Single(Tree.Container(name).At("volumeMounts").Items(), m => m.At("mountPath").Text() == modelPath);
        var volume = Assert.Single(pod.At("volumes").Items(), v => v.At("name").Text() == mount.At("name").Text());
        string claim = volume.At("persistentVolumeClaim.claimName").Text();

        Assert.True(mount.At("readOnly").GetBoolean());
        Assert.True(volume.At("persistentVolumeClaim.readOnly").GetBoolean());
        Assert.Contains("ReadOnlyMany", Tree.Get("PersistentVolumeClaim", claim).At("spec.accessModes").Items().Select(m => m.Text()));
        Assert.True(pod.At("securityContext.runAsNonRoot").GetBoolean());
    }

    [Fact]
    public void Hpa_ScalesTheDenoiserOnTheQueueDepthGaugeItExports()
    {
        var hpa = Assert.Single(Tree.OfKind("HorizontalPodAutoscaler"));
        string gauge = DenoiserGauge("QueuedJobsName");
        // OpenTelemetry's Prometheus exporter: '.' -> '_', the "{request}" unit annotation dropped.
        string prometheusName = gauge.Replace('.', '_');
        var metric = Assert.Single(hpa.At("spec.metrics").Items());

        Assert.Equal("autoscaling/v2", hpa.At("apiVersion").Text());
        Assert.Equal("Deployment", hpa.At("spec.scaleTargetRef.kind").Text());
        Assert.Equal(ServiceCatalog.Denoiser.Name, hpa.At("spec.scaleTargetRef.name").Text());
        Assert.Null(Tree.Get("Deployment", ServiceCatalog.Denoiser.Name).Find("spec.replicas"));
        Assert.Equal(prometheusName, metric.At("pods.metric.name").Text());
        Assert.Contains(prometheusName, File.ReadAllText(Path.Combine(TestPaths.RepoRoot, "k8s/autoscaling/prometheus-adapter-rules.yaml")), StringComparison.Ordinal);
        Assert.Contains(prometheusName, YamlFile.Load("k8s/autoscaling/keda-scaledobject.yaml").At("spec.triggers").Items().Single().At("metadata.query").Text(), StringComparison.Ordinal);
        Assert.True(hpa.At("spec.minReplicas").GetInt32() >= 2, "one denoiser left by a PDB-permitted disruption must not be the only one");
    }

    [Fact]
    public void Telemetry_ServicesExportToTheCollectorWhichFeedsJaegerAndPrometheus()
    {
        var config = Tree.Get("ConfigMap", "diffusion-config").At("data").Map();
        var endpoint = new Uri(config["OTEL_EXPORTER_OTLP_ENDPOINT"]);
        var collector = Tree.Get("Service", endpoint.Host);
        var collectorConfig = YamlText(Tree.Get("ConfigMap", "otel-collector-config").At("data").Map()["config.yaml"]);
        var jaegerEndpoint = collectorConfig.At("exporters").EnumerateObject().Single(e => e.Name.StartsWith("otlp", StringComparison.Ordinal)).Value.At("endpoint").Text();

        Assert.Contains(collector.At("spec.ports").Items(), p => p.At("port").GetInt32() == endpoint.Port);
        Assert.Equal("jaeger:4317", jaegerEndpoint);
        Assert.Contains(Tree.Get("Service", "jaeger").At("spec.ports").Items(), p => p.At("port").GetInt32() == 4317);
        Assert.Equal("true", Tree.Container("jaeger").At("env").Items().Single(e => e.At("name").Text() == "COLLECTOR_OTLP_ENABLED").At("value").Text());
        Assert.Contains("prometheus", collectorConfig.At("service.pipelines.metrics.exporters").Items().Select(e => e.Text()));
        foreach (var service in ServiceCatalog.All)
            Assert.Equal(endpoint.ToString().TrimEnd('/'), Tree.Environment(service.Name)["OTEL_EXPORTER_OTLP_ENDPOINT"]);
    }

    [Theory]
    [MemberData(nameof(ServiceCatalog.ModelNames), MemberType = typeof(ServiceCatalog))]
    public void NetworkPolicy_OnlyTheGatewayReachesAModelService(string name)
    {
        var service = ServiceCatalog.Get(name);
        var policies = Tree.OfKind("NetworkPolicy").ToArray();
        var selecting = policies.Where(p => Selects(p.At("spec.podSelector"), Tree.Get("Deployment", name))).ToArray();

        Assert.Contains(selecting, p => p.At("spec.podSelector").Find("matchLabels") is null && p.Find("spec.ingress") is null);
        var rules = selecting.SelectMany(p => p.Find("spec.ingress").Items()).ToArray();
        var rule = Assert.Single(rules);
        var from = Assert.Single(rule.At("from").Items());
        Assert.True(Selects(from.At("podSelector"), Tree.Get("Deployment", "gateway")));
        Assert.False(Selects(from.At("podSelector"), Tree.Get("Deployment", name)));
        Assert.Equal(service.Port, Assert.Single(rule.At("ports").Items()).At("port").GetInt32());
    }

    [Theory]
    [MemberData(nameof(ServiceCatalog.Names), MemberType = typeof(ServiceCatalog))]
    public void PodDisruptionBudget_SelectsTheDeployment(string name)
    {
        var pdb = Tree.Get("PodDisruptionBudget", name);

        Assert.True(Selects(pdb.At("spec.selector"), Tree.Get("Deployment", name)));
        Assert.Equal(1, pdb.At("spec.maxUnavailable").GetInt32());
    }

    private static bool Selects(JsonElement selector, JsonElement deployment)
    {
        var labels = deployment.At("spec.template.metadata.labels").Map();
        var match = selector.Find("matchLabels") is { } m ? m.Map() : new Dictionary<string, string>();
        return match.All(p => labels.TryGetValue(p.Key, out string? v) && v == p.Value);
    }

    private static string DenoiserGauge(string field)
    {
        var type = typeof(DenoiserApp).Assembly.GetType("Diffusion.Denoiser.DenoiserGauges", throwOnError: true)!;
        return (string)type.GetField(field, BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static)!.GetRawConstantValue()!;
    }

    private static JsonElement YamlText(string yaml)
    {
        string file = Path.Combine(Path.GetTempPath(), $"otel-{Guid.NewGuid():N}.yaml");
        File.WriteAllText(file, yaml);
        try
        {
            return YamlFile.Load(Path.GetRelativePath(TestPaths.RepoRoot, file));
        }
        finally
        {
            File.Delete(file);
        }
    }
}
