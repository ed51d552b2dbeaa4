namespace Diffusion.Torch.Tests;

/// <summary>A fact that runs only where libtorch sees a CUDA device; elsewhere it is skipped with the reason.</summary>
public sealed class CudaFactAttribute : FactAttribute
{
    public CudaFactAttribute()
    {
        if (!Cuda.IsAvailable)
            Skip = "no CUDA device (torch.cuda.is_available() is false)";
    }
}

/// <summary>A fact about CPU-only behaviour; skipped where a CUDA device is present.</summary>
public sealed class NoCudaFactAttribute : FactAttribute
{
    public NoCudaFactAttribute()
    {
        if (Cuda.IsAvailable)
            Skip = "a CUDA device is present (this checks the behaviour without one)";
    }
}
