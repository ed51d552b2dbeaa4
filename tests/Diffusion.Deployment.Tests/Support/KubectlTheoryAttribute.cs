namespace Diffusion.Deployment.Tests.Support;

/// <summary>
/// A theory that needs <c>kubectl</c> (for <c>kubectl kustomize</c>, which renders offline); skipped
/// with the reason printed where it is not on PATH. The structural tests run without it.
/// </summary>
internal sealed class KubectlTheoryAttribute : TheoryAttribute
{
    /// <summary>The kubectl executable found on PATH, or null.</summary>
    public static string? Kubectl { get; } = (Environment.GetEnvironmentVariable("PATH") ?? "")
        .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
        .Select(dir => Path.Combine(dir, "kubectl"))
        .FirstOrDefault(File.Exists);

    public KubectlTheoryAttribute()
    {
        if (Kubectl is null)
            Skip = "kubectl is not on PATH: the overlays are not rendered (their structure is still checked)";
    }
}
