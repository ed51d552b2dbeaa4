namespace Diffusion.Pipelines.Models;

/// <summary>The UNet's static description (from its config.json).</summary>
public sealed record UNetInfo(string Name, int InChannels, int OutChannels, int SampleSize, int CrossAttentionDim,
    string Device, string DType);

/// <summary>Embeddings uploaded to the model's device once per request and reused every step.</summary>
public interface IConditioning : IDisposable
{
    /// <summary>Rows of this conditioning ([R, L, D]: R rows).</summary>
    int Rows { get; }
    int SequenceLength { get; }
}

/// <summary>UNet2DConditionModel behind a batch-friendly interface: rows from several requests
/// are concatenated into one forward pass.</summary>
public interface IUNetModel
{
    UNetInfo Info { get; }

    /// <summary>Uploads [R, L, D] embeddings (row-major) to the model's device.</summary>
    IConditioning Upload(ReadOnlySpan<float> embeddings, long[] shape);

    /// <summary>Predicts noise (or v) for a batch.</summary>
    /// <param name="sample">[M, InChannels, h, w] model inputs (already scaled by the scheduler).</param>
    /// <param name="timesteps">[M] one timestep per row.</param>
    /// <param name="conditioning">Concatenated along rows, their Rows sum to M, in the order of <paramref name="sample"/>.</param>
    /// <param name="output">[M, OutChannels, h, w].</param>
    void Predict(ReadOnlySpan<float> sample, long[] sampleShape, ReadOnlySpan<float> timesteps,
        IReadOnlyList<IConditioning> conditioning, Span<float> output);
}
