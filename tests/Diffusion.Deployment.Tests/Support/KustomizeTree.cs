using System.Text.Json;
using Diffusion.Testing;

namespace Diffusion.Deployment.Tests.Support;

/// <summary>
/// The Kubernetes objects of k8s/base as kustomize would assemble them (resources only; overlays
/// are checked separately): every document of every listed resource file, by kind and name.
/// </summary>
internal sealed class KustomizeTree
{
    public const string Base = "k8s/base";

    private static readonly Lazy<KustomizeTree> Instance = new(() => new KustomizeTree());

    private KustomizeTree()
    {
        Kustomization = YamlFile.Load($"{Base}/kustomization.yaml");
        ResourceFiles = Kustomization.At("resources").Items().Select(r => $"{Base}/{r.Text()}").ToArray();
        Objects = ResourceFiles.SelectMany(YamlFile.LoadAll).ToArray();
    }

    public static KustomizeTree Load() => Instance.Value;

    public JsonElement Kustomization { get; }

    public IReadOnlyList<string> ResourceFiles { get; }

    public IReadOnlyList<JsonElement> Objects { get; }

    public IEnumerable<JsonElement> OfKind(string kind) => Objects.Where(o => o.At("kind").Text() == kind);

    public JsonElement Get(string kind, string name)
    {
        var found = OfKind(kind).Where(o => o.At("metadata.name").Text() == name).ToArray();
        Assert.True(found.Length == 1, $"{Base}: expected one {kind} '{name}', found {found.Length}");
        return found[0];
    }

    /// <summary>The single container of a Deployment.</summary>
    public JsonElement Container(string deployment) => Assert.Single(Get("Deployment", deployment).At("spec.template.spec.containers").Items());

    /// <summary>
    /// A container's environment as the pod sees it: envFrom ConfigMaps first, then env (values,
    /// configMapKeyRef resolved; secret and field references as placeholders).
    /// </summary>
    public IReadOnlyDictionary<string, string> Environment(string deployment)
    {
        var container = Container(deployment);
        var env = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var source in container.Find("envFrom").Items())
        {
            var map = Get("ConfigMap", source.At("configMapRef.name").Text()).At("data").Map();
            foreach (var (key, value) in map)
                env[key] = value;
        }
        foreach (var item in container.Find("env").Items())
        {
            string name = item.At("name").Text();
            if (item.Find("value") is { } value)
                env[name] = value.Text();
            else if (item.Find("valueFrom.configMapKeyRef") is { } cm)
                env[name] = Get("ConfigMap", cm.At("name").Text()).At($"data.{cm.At("key").Text()}").Text();
            else
                env[name] = $"<{name} from {item.At("valueFrom").EnumerateObject().First().Name}>";
        }
        return env;
    }
}
