using System.Globalization;
using System.Xml.Linq;
using Diffusion.Deployment.Tests.Support;
using Diffusion.Gateway;
using Diffusion.Testing;

namespace Diffusion.Deployment.Tests;

/// <summary>deploy/*/Dockerfile[.cuda] against the projects, assemblies, ports and configuration they ship.</summary>
public sealed class DockerfileTests
{
    private const string ProbeProject = "deploy/HealthProbe/Diffusion.HealthProbe.csproj";

    /// <summary>Every Dockerfile: (service, file). Model services have a CPU and a CUDA variant.</summary>
    public static TheoryData<string, string> Dockerfiles()
    {
        var data = new TheoryData<string, string>();
        foreach (var service in ServiceCatalog.All)
        {
            data.Add(service.Name, $"{service.DeployFolder}/Dockerfile");
            if (service.IsModelService)
                data.Add(service.Name, $"{service.DeployFolder}/Dockerfile.cuda");
        }
        return data;
    }

    [Fact]
    public void DeployFolder_HoldsOnlyKnownDockerfiles()
    {
        var expected = Dockerfiles().Select(row => (string)row[1]).ToHashSet(StringComparer.Ordinal);
        var found = Directory.EnumerateFiles(Path.Combine(TestPaths.RepoRoot, "deploy"), "Dockerfile*", SearchOption.AllDirectories)
            .Where(f => !f.EndsWith(".dockerignore", StringComparison.Ordinal))
            .Select(f => Path.GetRelativePath(TestPaths.RepoRoot, f).Replace('\\', '/'));

        Assert.Equal(expected.Order(StringComparer.Ordinal), found.Order(StringComparer.Ordinal));
    }

    [Theory]
    [MemberData(nameof(Dockerfiles))]
    public void Publish_BuildsTheServiceAndTheProbeFromExistingProjects(string name, string file)
    {
        var dockerfile = Dockerfile.Load(file);
        var projects = dockerfile.PublishedProjects();

        Assert.Equal([ServiceCatalog.Get(name).ProjectPath, ProbeProject], projects);
        foreach (string project in projects)
            Assert.True(File.Exists(Path.Combine(TestPaths.RepoRoot, project)), $"{file}: {project} does not exist");
    }

    [Theory]
    [MemberData(nameof(Dockerfiles))]
    public void Entrypoint_RunsTheServiceAssembly(string name, string file)
    {
        var service = ServiceCatalog.Get(name);
        var entrypoint = Dockerfile.ExecForm(Assert.Single(Dockerfile.Load(file).Get("ENTRYPOINT")).Arguments);

        Assert.Equal(["dotnet", $"/app/service/{service.AssemblyName}.dll"], entrypoint);
        // The project file's AssemblyName (or its file name) is what dotnet publish writes.
        Assert.Equal(service.AssemblyName, AssemblyNameOf(service.ProjectPath));
    }

    [Theory]
    [MemberData(nameof(Dockerfiles))]
    public void Port_ExposedListenedOnAndProbed(string name, string file)
    {
        var service = ServiceCatalog.Get(name);
        var dockerfile = Dockerfile.Load(file);
        var env = dockerfile.FinalEnvironment();
        string port = service.Port.ToString(CultureInfo.InvariantCulture);

        Assert.Equal(port, Assert.Single(dockerfile.Get("EXPOSE", dockerfile.FinalStage)).Arguments);
        if (service.IsModelService)
            Assert.Equal($"http://0.0.0.0:{port}", env["ASPNETCORE_URLS"]);
        else
            Assert.Equal(port, env["Gateway__Port"]);
        var probe = HealthCheckCommand(dockerfile);
        Assert.Equal($"http://127.0.0.1:{port}", probe[probe.ToList().IndexOf("--addr") + 1]);
    }

    [Theory]
    [MemberData(nameof(Dockerfiles))]
    public void HealthCheck_UsesThePublishedProbeWithValidArguments(string name, string file)
    {
        var dockerfile = Dockerfile.Load(file);
        var probe = HealthCheckCommand(dockerfile);

        Assert.Equal("dotnet", probe[0]);
        Assert.Equal($"/app/probe/{AssemblyNameOf(ProbeProject)}.dll", probe[1]);
        var arguments = HealthProbe.ProbeArguments.Parse(probe.Skip(2).ToArray());
        // The gateway's container health is its liveness; "" (readiness) gates on the downstreams.
        Assert.Equal(name == ServiceCatalog.Gateway.Name ? GatewayApp.LivenessService : "", arguments.Service);
    }

    [Theory]
    [MemberData(nameof(Dockerfiles))]
    public void Environment_EveryVariableIsReadAndValid(string name, string file)
    {
        var service = ServiceCatalog.Get(name);
        var env = Dockerfile.Load(file).FinalEnvironment();

        ConfigKeys.AssertKnown(service, env, file);
        ConfigKeys.AssertValid(service, env, file);
        Assert.Equal(name, env["OTEL_SERVICE_NAME"]);
        if (service.IsModelService)
        {
            Assert.Equal("/models", env["Diffusion__ModelPath"]);
            Assert.Equal(file.EndsWith(".cuda", StringComparison.Ordinal) ? "cuda" : "cpu", env["Diffusion__Device"]);
        }
    }

    [Theory]
    [MemberData(nameof(Dockerfiles))]
    public void Runtime_IsNonRootAndModelsIsAVolume(string name, string file)
    {
        var dockerfile = Dockerfile.Load(file);
        string user = Assert.Single(dockerfile.Get("USER", dockerfile.FinalStage)).Arguments;

        Assert.DoesNotMatch(@"^(root|0)(:|$)", user);
        Assert.Matches(@"^\d+:\d+$", user);
        if (ServiceCatalog.Get(name).IsModelService)
            Assert.Equal("[\"/models\"]", Assert.Single(dockerfile.Get("VOLUME", dockerfile.FinalStage)).Arguments);
    }

    [Theory]
    [MemberData(nameof(Dockerfiles))]
    public void Stages_MultiStageAndEveryCopyFromNamesAStage(string name, string file)
    {
        var dockerfile = Dockerfile.Load(file);
        var stages = dockerfile.Stages;

        Assert.Contains("build", stages);
        Assert.Equal("runtime", dockerfile.FinalStage);
        Assert.DoesNotContain(dockerfile.Get("RUN", "runtime"), r => r.Arguments.Contains("dotnet publish", StringComparison.Ordinal));
        foreach (var copy in dockerfile.Get("COPY").Where(c => c.Arguments.StartsWith("--from=", StringComparison.Ordinal)))
        {
            string from = copy.Arguments["--from=".Length..].Split(' ')[0];
            Assert.True(stages.Contains(from), $"{file}: COPY --from={from} names no stage ({name})");
        }
    }

    [Theory]
    [MemberData(nameof(Dockerfiles))]
    public void NativeShim_BuiltAgainstTheLibtorchTheRuntimeLoads(string name, string file)
    {
        var dockerfile = Dockerfile.Load(file);
        string build = string.Join("\n", dockerfile.Get("RUN", "build").Select(r => r.Arguments));
        string runtime = string.Join("\n", dockerfile.Get("RUN", "runtime").Select(r => r.Arguments));
        if (!ServiceCatalog.Get(name).IsModelService)
        {
            Assert.DoesNotContain("libtorch", runtime, StringComparison.Ordinal);
            return;
        }
        if (file.EndsWith(".cuda", StringComparison.Ordinal))
        {
            // The csproj's switch for a non-system libtorch, and the same venv in the runtime image.
            string torchProject = File.ReadAllText(Path.Combine(TestPaths.RepoRoot, "services/Diffusion.Torch/Diffusion.Torch.csproj"));
            Assert.Contains("$(TORCH_CMAKE_PREFIX)", torchProject, StringComparison.Ordinal);
            Assert.Contains("TORCH_CMAKE_PREFIX=", build, StringComparison.Ordinal);
            Assert.Contains(dockerfile.Get("COPY", "runtime"), c => c.Arguments == "--from=build /opt/torch /opt/torch");
            Assert.StartsWith("/opt/torch/", dockerfile.FinalEnvironment()["LD_LIBRARY_PATH"], StringComparison.Ordinal);
        }
        else
        {
            // Debian's libtorch-dev to build, its runtime package and OpenBLAS (pthread) to run,
            // as scripts/deps/10-apt.sh installs them here.
            Assert.Contains("libtorch-dev", build, StringComparison.Ordinal);
            Assert.Contains("libtorch1.13", runtime, StringComparison.Ordinal);
            Assert.Contains("libopenblas0-pthread", runtime, StringComparison.Ordinal);
            string apt = File.ReadAllText(Path.Combine(TestPaths.RepoRoot, "scripts/deps/10-apt.sh"));
            Assert.Contains("libtorch-dev", apt, StringComparison.Ordinal);
        }
    }

    [Theory]
    [MemberData(nameof(Dockerfiles))]
    public void DockerIgnore_KeepsBuildOutputsAndVcsOutOfTheContext(string name, string file)
    {
        string ignore = Path.Combine(TestPaths.RepoRoot, file + ".dockerignore");
        Assert.True(File.Exists(ignore), $"{file}.dockerignore is missing ({name})");
        var patterns = File.ReadAllLines(ignore).Where(l => l.Length > 0 && !l.StartsWith('#')).ToArray();

        foreach (string required in new[] { "**/bin/", "**/obj/", ".git/", "artifacts/", "TestResults/" })
            Assert.Contains(required, patterns);
        // Nothing the build needs may be excluded.
        foreach (string needed in new[] { "services/", "gateway/", "protos/", "deploy/", "Directory.Build.props", "Directory.Packages.props" })
            Assert.DoesNotContain(patterns, p => needed.StartsWith(p.TrimStart('/'), StringComparison.Ordinal));
    }

    private static IReadOnlyList<string> HealthCheckCommand(Dockerfile dockerfile)
    {
        string healthcheck = Assert.Single(dockerfile.Get("HEALTHCHECK", dockerfile.FinalStage)).Arguments;
        int cmd = healthcheck.IndexOf("CMD ", StringComparison.Ordinal);
        Assert.True(cmd >= 0, $"{dockerfile.RelativePath}: HEALTHCHECK without CMD");
        return Dockerfile.ExecForm(healthcheck[(cmd + 4)..]);
    }

    private static string AssemblyNameOf(string projectPath)
    {
        var project = XDocument.Load(Path.Combine(TestPaths.RepoRoot, projectPath));
        return project.Descendants("AssemblyName").Select(e => e.Value).FirstOrDefault()
            ?? Path.GetFileNameWithoutExtension(projectPath);
    }
}
