using Diffusion.Testing;

namespace Diffusion.Deployment.Tests.Support;

/// <summary>
/// A theory that needs the tiny diffusers model of the golden data (<c>reference/tiny_sd</c>); skipped
/// with the reason printed where the shared folder is absent.
/// </summary>
internal sealed class ReferenceModelTheoryAttribute : TheoryAttribute
{
    /// <summary>Why tests needing the tiny model are skipped here.</summary>
    public const string SkipReason = "golden data reference/tiny_sd not found (put ../shared beside the repository or set DIFFUSION_REFERENCE)";

    /// <summary>The tiny model folder, or null when the golden data is not there.</summary>
    public static string? TinyModel { get; } = Find();

    public ReferenceModelTheoryAttribute()
    {
        if (TinyModel is null)
            Skip = SkipReason;
    }

    private static string? Find()
    {
        try
        {
            string folder = Path.Combine(TestPaths.Reference, "tiny_sd");
            return File.Exists(Path.Combine(folder, "model_index.json")) ? folder : null;
        }
        catch (DirectoryNotFoundException)
        {
            return null;
        }
    }
}

/// <summary>A fact that needs the tiny reference model; skipped with the reason printed where it is absent.</summary>
internal sealed class ReferenceModelFactAttribute : FactAttribute
{
    public ReferenceModelFactAttribute()
    {
        if (ReferenceModelTheoryAttribute.TinyModel is null)
            Skip = ReferenceModelTheoryAttribute.SkipReason;
    }
}
