namespace Diffusion.Testing;

/// <summary>Where tests find the repository and the golden data of ../shared/reference.</summary>
internal static class TestPaths
{
    private static readonly Lazy<string> s_repoRoot = new(() =>
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Diffusion.sln")))
                return dir.FullName;
        }
        throw new InvalidOperationException($"Diffusion.sln not found above {AppContext.BaseDirectory}");
    });

    /// <summary>The repository root (the folder holding Diffusion.sln).</summary>
    public static string RepoRoot => s_repoRoot.Value;

    /// <summary>The golden data: $DIFFUSION_REFERENCE, else ../shared/reference beside the repository.</summary>
    public static string Reference
    {
        get
        {
            var env = Environment.GetEnvironmentVariable("DIFFUSION_REFERENCE");
            var dir = !string.IsNullOrEmpty(env) ? env : Path.GetFullPath(Path.Combine(RepoRoot, "..", "shared", "reference"));
            if (!Directory.Exists(dir))
                throw new DirectoryNotFoundException(
                    $"Golden reference data not found at {dir}. Put the shared folder beside the repository or set DIFFUSION_REFERENCE.");
            return dir;
        }
    }

    public static string ReferenceFile(params string[] parts) => Path.Combine([Reference, .. parts]);
}
