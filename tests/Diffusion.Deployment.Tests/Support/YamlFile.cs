using System.Diagnostics;
using System.Text.Json;
using Diffusion.Testing;

namespace Diffusion.Deployment.Tests.Support;

/// <summary>
/// Reads a YAML file (every document of a multi-document stream) as JSON through Debian's
/// python3-yaml (<c>yaml.safe_load_all</c>), the same YAML 1.1 loader family Docker Compose and
/// kubectl accept; a parse error fails the test with the loader's message.
/// </summary>
internal static class YamlFile
{
    private const string Python = "/usr/bin/python3";

    private const string Script =
        "import json, sys, yaml\n" +
        "with open(sys.argv[1], encoding='utf-8') as f:\n" +
        "    docs = [d for d in yaml.safe_load_all(f) if d is not None]\n" +
        "json.dump(docs, sys.stdout, default=str)\n";

    /// <summary>The non-empty documents of <paramref name="relativePath"/> (relative to the repository root).</summary>
    public static IReadOnlyList<JsonElement> LoadAll(string relativePath)
    {
        string path = Path.Combine(TestPaths.RepoRoot, relativePath);
        Assert.True(File.Exists(path), $"{relativePath} does not exist");
        var start = new ProcessStartInfo(Python) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(Script);
        start.ArgumentList.Add(path);
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{Python} did not start");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"{relativePath} is not valid YAML (or python3-yaml is missing: scripts/deps/40-deploy.sh): {stderr.Result}");
        using var json = JsonDocument.Parse(stdout.Result);
        return json.RootElement.EnumerateArray().Select(e => e.Clone()).ToArray();
    }

    /// <summary>The single document of <paramref name="relativePath"/>.</summary>
    public static JsonElement Load(string relativePath) => Assert.Single(LoadAll(relativePath));
}
