using Diffusion.Models.Loading;
using Diffusion.Models.UNet;
using Diffusion.Pipelines.Models;
using Diffusion.Torch;

namespace Diffusion.Models.Adapters;

/// <summary><see cref="IUNetModel"/> over <see cref="UNet2DConditionModel"/>: conditionings stay on the
/// device; each <see cref="Predict"/> builds one batch from managed spans (one timestep per row),
/// concatenates the conditionings along rows, runs the forward under a <see cref="TensorScope"/> and
/// copies the float32 result out.</summary>
/// <remarks>Predict may be called from several threads at once (the weights are only read).</remarks>
public sealed class TorchUNetModel : IUNetModel, IDisposable
{
    private readonly UNet2DConditionModel _model;
    private readonly Device _device;
    private readonly ScalarType _dtype;

    /// <summary>Wraps a loaded model; takes ownership of <paramref name="model"/>.</summary>
    public TorchUNetModel(string name, UNet2DConditionModel model)
    {
        ArgumentNullException.ThrowIfNull(name);
        _model = model ?? throw new ArgumentNullException(nameof(model));
        _device = model.Device;
        _dtype = model.Dtype;
        var c = model.Config;
        Info = new UNetInfo(name, c.InChannels, c.OutChannels, c.SampleSize, c.CrossAttentionDim[0], _device.ToString(), DTypeName.Of(_dtype));
    }

    /// <inheritdoc/>
    public UNetInfo Info { get; }

    /// <summary>The underlying module (for benchmarks and direct use).</summary>
    public UNet2DConditionModel Module => _model;

    /// <summary>Loads <c>unet/</c> of the diffusers ROOT folder <paramref name="modelDir"/> onto
    /// <paramref name="device"/> in <paramref name="dtype"/> (Float16 prefers the <c>fp16</c> weight
    /// variant; any weight file is converted while loading).</summary>
    /// <exception cref="ModelLoadException">A file is missing or a config option unsupported.</exception>
    public static TorchUNetModel Load(string modelDir, Device device, ScalarType dtype)
    {
        var folder = ModelFolder.Open(modelDir);
        var variant = dtype == ScalarType.Float16 ? "fp16" : null;
        var model = UNet2DConditionModel.Load(folder.UNetPath, dtype, device, variant);
        return new TorchUNetModel(Path.GetFileName(Path.TrimEndingDirectorySeparator(folder.Root)), model);
    }

    /// <inheritdoc/>
    public IConditioning Upload(ReadOnlySpan<float> embeddings, long[] shape)
    {
        ArgumentNullException.ThrowIfNull(shape);
        if (shape.Length != 3 || shape[0] < 1 || shape[1] < 1 || shape[2] != Info.CrossAttentionDim)
            throw new ArgumentException($"embeddings must be [R, L, {Info.CrossAttentionDim}], got [{string.Join(", ", shape)}]", nameof(shape));
        if (embeddings.Length != shape[0] * shape[1] * shape[2])
            throw new ArgumentException($"{embeddings.Length} values do not fill [{string.Join(", ", shape)}]", nameof(embeddings));
        return new TorchConditioning(Tensor.FromSpan(embeddings, shape, _device, _dtype));
    }

    /// <inheritdoc/>
    public void Predict(ReadOnlySpan<float> sample, long[] sampleShape, ReadOnlySpan<float> timesteps,
        IReadOnlyList<IConditioning> conditioning, Span<float> output)
    {
        ArgumentNullException.ThrowIfNull(sampleShape);
        ArgumentNullException.ThrowIfNull(conditioning);
        if (sampleShape.Length != 4 || sampleShape[1] != Info.InChannels)
            throw new ArgumentException($"sample must be [M, {Info.InChannels}, h, w], got [{string.Join(", ", sampleShape)}]", nameof(sampleShape));
        var rows = sampleShape[0];
        var count = sampleShape[0] * sampleShape[1] * sampleShape[2] * sampleShape[3];
        if (sample.Length != count) throw new ArgumentException($"{sample.Length} values do not fill the sample shape", nameof(sample));
        if (timesteps.Length != rows) throw new ArgumentException($"{timesteps.Length} timesteps for {rows} rows", nameof(timesteps));
        var outCount = rows * Info.OutChannels * sampleShape[2] * sampleShape[3];
        if (output.Length != outCount) throw new ArgumentException($"output holds {output.Length} values, {outCount} needed", nameof(output));
        var conds = conditioning.Select(c => c as TorchConditioning
            ?? throw new ArgumentException("conditioning must come from this model's Upload", nameof(conditioning))).ToArray();
        if (conds.Sum(c => (long)c.Rows) != rows)
            throw new ArgumentException($"conditioning rows {conds.Sum(c => c.Rows)} do not match {rows} sample rows", nameof(conditioning));

        using var scope = TensorScope.Enter();
        var x = Tensor.FromSpan(sample, sampleShape, _device, _dtype);
        var t = Tensor.FromSpan(timesteps, [rows], _device, ScalarType.Float32);
        // Conditionings with different sequence lengths (long prompts chunked to k×77 tokens) cannot share
        // one attention batch: run each run of equal-length conditionings as its own forward.
        var results = new List<Tensor>();
        long row = 0;
        for (var start = 0; start < conds.Length;)
        {
            var end = start + 1;
            while (end < conds.Length && conds[end].SequenceLength == conds[start].SequenceLength) end++;
            var group = conds[start..end];
            long groupRows = group.Sum(c => (long)c.Rows);
            var context = group.Length == 1 ? group[0].Tensor : Tensor.Cat(group.Select(c => c.Tensor).ToArray(), 0); // [rows, L, D]
            var xs = group.Length == conds.Length ? x : x.Narrow(0, row, groupRows);
            var ts = group.Length == conds.Length ? t : t.Narrow(0, row, groupRows);
            results.Add(_model.Forward(xs, ts, context));
            row += groupRows;
            start = end;
        }
        var prediction = results.Count == 1 ? results[0] : Tensor.Cat(results.ToArray(), 0);
        prediction.To(Device.Cpu, ScalarType.Float32).Contiguous().CopyTo(output);
    }

    /// <summary>Frees the model's weights.</summary>
    public void Dispose() => _model.Dispose();
}
