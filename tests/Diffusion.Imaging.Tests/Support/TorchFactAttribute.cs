namespace Diffusion.Imaging.Tests;

/// <summary>A fact that needs torch in /usr/bin/python3 (an optional extra oracle); skipped with
/// the reason printed when torch cannot be imported.</summary>
public sealed class TorchFactAttribute : FactAttribute
{
    public TorchFactAttribute()
    {
        if (!PilOracle.HasTorch)
            Skip = $"torch is not importable by {PilOracle.Interpreter} (Debian python3-torch); the golden mask_latent test still covers nearest resizing";
    }
}
