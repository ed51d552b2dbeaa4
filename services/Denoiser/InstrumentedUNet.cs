using Diffusion.Pipelines.Models;
using Diffusion.ServiceDefaults.Telemetry;

namespace Diffusion.Denoiser;

/// <summary>The UNet as the engine sees it: every forward pass records its batch size (rows) on
/// the <c>diffusion.batch.size</c> histogram. Disposing disposes the model.</summary>
internal sealed class InstrumentedUNet(IUNetModel inner, DiffusionMetrics? metrics) : IUNetModel, IDisposable
{
    public UNetInfo Info => inner.Info;

    public IConditioning Upload(ReadOnlySpan<float> embeddings, long[] shape) => inner.Upload(embeddings, shape);

    public void Predict(ReadOnlySpan<float> sample, long[] sampleShape, ReadOnlySpan<float> timesteps,
        IReadOnlyList<IConditioning> conditioning, Span<float> output)
    {
        inner.Predict(sample, sampleShape, timesteps, conditioning, output);
        if (sampleShape.Length > 0 && sampleShape[0] > 0)
            metrics?.RecordBatchSize((int)sampleShape[0]);
    }

    public void Dispose() => (inner as IDisposable)?.Dispose();
}
