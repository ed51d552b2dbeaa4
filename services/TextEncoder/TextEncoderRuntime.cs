using Diffusion.Pipelines.Models;

namespace Diffusion.TextEncoder;

/// <summary>The loaded encoder and its cache. Model calls are serialised: one forward pass at a time
/// (each call is already a whole batch).</summary>
internal sealed class TextEncoderRuntime(ITextEncoderModel model, int cacheCapacity) : IDisposable
{
    public ITextEncoderModel Model { get; } = model;
    public PromptCache Cache { get; } = new(cacheCapacity);
    public SemaphoreSlim Gate { get; } = new(1, 1);

    public void Dispose()
    {
        Gate.Dispose();
        (Model as IDisposable)?.Dispose();
    }
}
