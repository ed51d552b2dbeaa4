namespace Diffusion.Torch.Tests;

/// <summary>Tests that measure process-wide native state (live tensor count, RSS) run in this
/// collection, which xunit never runs in parallel with the other tests.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class NativeMemoryCollection
{
    public const string Name = "native memory";

    /// <summary>Runs pending finalizers (tensors other tests dropped without disposing) so that they
    /// cannot free handles while a test is counting.</summary>
    public static void Settle()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
    }
}
