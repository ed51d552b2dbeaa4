using System.Diagnostics;
using System.Text.Json;
using Diffusion.Deployment.Tests.Support;
using Diffusion.Hosting;
using Diffusion.Testing;

namespace Diffusion.Deployment.Tests;

/// <summary>k8s/overlays/cpu and gpu: references, images, the GPU patches; rendered by kubectl when present.</summary>
public sealed class OverlayTests
{
    public static TheoryData<string> Overlays() => new("cpu", "gpu");

    [Theory]
    [MemberData(nameof(Overlays))]
    public void Overlay_ReferencesExistingFiles(string overlay)
    {
        string folder = $"k8s/overlays/{overlay}";
        var kustomization = YamlFile.Load($"{folder}/kustomization.yaml");

        foreach (var resource in kustomization.At("resources").Items())
        {
            string path = Path.GetFullPath(Path.Combine(TestPaths.RepoRoot, folder, resource.Text()));
            Assert.True(Directory.Exists(path) && File.Exists(Path.Combine(path, "kustomization.yaml")) || File.Exists(path),
                $"{folder}: resource {resource.Text()} does not exist");
        }
        foreach (var patch in kustomization.Find("patches").Items())
            Assert.True(File.Exists(Path.Combine(TestPaths.RepoRoot, folder, patch.At("path").Text())), $"{folder}: patch {patch.At("path").Text()} does not exist");
    }

    [Theory]
    [MemberData(nameof(Overlays))]
    public void Overlay_SetsEveryServiceImageToABuildableTag(string overlay)
    {
        var images = YamlFile.Load($"k8s/overlays/{overlay}/kustomization.yaml").At("images").Items()
            .ToDictionary(i => i.At("name").Text(), i => i.At("newTag").Text());

        foreach (var service in ServiceCatalog.All)
        {
            string image = KustomizeTree.Load().Container(service.Name).At("image").Text();
            Assert.True(images.TryGetValue(image, out string? tag), $"{overlay}: no tag for {image}");
            // cpu -> deploy/<svc>/Dockerfile, cuda -> deploy/<svc>/Dockerfile.cuda (deploy/README.md).
            string dockerfile = tag == "cuda" ? $"{service.DeployFolder}/Dockerfile.cuda" : $"{service.DeployFolder}/Dockerfile";
            Assert.True(File.Exists(Path.Combine(TestPaths.RepoRoot, dockerfile)), $"{overlay}: {image}:{tag} has no {dockerfile}");
            if (overlay == "cpu")
                Assert.NotEqual("cuda", tag);
        }
        if (overlay == "gpu")
            Assert.Equal("cuda", images[$"diffusion/{ServiceCatalog.Denoiser.Name}"]);
    }

    [Fact]
    public void GpuOverlay_DenoiserRequestsAGpuAndRunsOnCuda()
    {
        var patch = PatchFor("gpu", ServiceCatalog.Denoiser.Name);
        AssertGpuPatch(patch, ServiceCatalog.Denoiser);
    }

    [Fact]
    public void GpuOverlay_EveryCudaImageHasAGpuPatch()
    {
        var images = YamlFile.Load("k8s/overlays/gpu/kustomization.yaml").At("images").Items();
        foreach (var image in images.Where(i => i.At("newTag").Text() == "cuda"))
        {
            var service = ServiceCatalog.All.Single(s => $"diffusion/{s.Name}" == image.At("name").Text());
            AssertGpuPatch(PatchFor("gpu", service.Name), service);
        }
    }

    [KubectlTheory]
    [MemberData(nameof(Overlays))]
    public void Kubectl_RendersTheOverlay(string overlay)
    {
        var start = new ProcessStartInfo(KubectlTheoryAttribute.Kubectl!) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add("kustomize");
        start.ArgumentList.Add(Path.Combine(TestPaths.RepoRoot, "k8s/overlays", overlay));
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        process.WaitForExit();

        Assert.True(process.ExitCode == 0, $"kubectl kustomize {overlay}: {stderr.Result}");
        Assert.Contains("kind: HorizontalPodAutoscaler", stdout.Result, StringComparison.Ordinal);
        Assert.Contains($"image: diffusion/{ServiceCatalog.Denoiser.Name}:{(overlay == "gpu" ? "cuda" : "cpu")}", stdout.Result, StringComparison.Ordinal);
        Assert.Equal(overlay == "gpu", stdout.Result.Contains("nvidia.com/gpu: 1", StringComparison.Ordinal));
    }

    private static JsonElement PatchFor(string overlay, string deployment)
    {
        string folder = $"k8s/overlays/{overlay}";
        var patches = YamlFile.Load($"{folder}/kustomization.yaml").At("patches").Items()
            .Select(p => YamlFile.Load($"{folder}/{p.At("path").Text()}"))
            .Where(p => p.At("kind").Text() == "Deployment" && p.At("metadata.name").Text() == deployment)
            .ToArray();
        return Assert.Single(patches);
    }

    private static void AssertGpuPatch(JsonElement patch, ServiceInfo service)
    {
        var container = Assert.Single(patch.At("spec.template.spec.containers").Items());
        var env = container.At("env").Items().ToDictionary(e => e.At("name").Text(), e => e.At("value").Text());

        // A strategic merge patch merges containers by name: it must name the base container.
        Assert.Equal(KustomizeTree.Load().Container(service.Name).At("name").Text(), container.At("name").Text());
        Assert.Equal("1", container.At("resources.requests").GetProperty("nvidia.com/gpu").Text());
        Assert.Equal("1", container.At("resources.limits").GetProperty("nvidia.com/gpu").Text());
        Assert.StartsWith("cuda", env["Diffusion__Device"], StringComparison.Ordinal);
        var merged = new Dictionary<string, string>(KustomizeTree.Load().Environment(service.Name), StringComparer.Ordinal);
        foreach (var (key, value) in env)
            merged[key] = value;
        ConfigKeys.AssertKnown(service, merged, $"gpu overlay {service.Name}");
        ConfigKeys.AssertValid(service, merged, $"gpu overlay {service.Name}");
        Assert.NotNull(new ServiceHostOptions { ModelPath = "/models", Device = env["Diffusion__Device"], DType = env["Diffusion__DType"] }.Validate());
    }
}
