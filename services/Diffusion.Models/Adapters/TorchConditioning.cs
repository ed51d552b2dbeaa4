using Diffusion.Pipelines.Models;
using Diffusion.Torch;

namespace Diffusion.Models.Adapters;

/// <summary>Text embeddings [R, L, D] resident on the UNet's device in its dtype, uploaded once per
/// request by <see cref="TorchUNetModel.Upload"/> and reused every step. Owns the tensor.</summary>
public sealed class TorchConditioning : IConditioning
{
    private readonly Tensor _tensor;

    internal TorchConditioning(Tensor tensor)
    {
        _tensor = tensor.DetachFromScope();
        var shape = tensor.Shape;
        Rows = checked((int)shape[0]);
        SequenceLength = checked((int)shape[1]);
        Width = shape[2];
    }

    /// <inheritdoc/>
    public int Rows { get; }

    /// <inheritdoc/>
    public int SequenceLength { get; }

    /// <summary>Embedding width D.</summary>
    public long Width { get; }

    /// <summary>The [R, L, D] tensor (owned by this object; do not dispose).</summary>
    public Tensor Tensor => _tensor.IsDisposed ? throw new ObjectDisposedException(nameof(TorchConditioning)) : _tensor;

    /// <summary>Frees the device tensor.</summary>
    public void Dispose() => _tensor.Dispose();
}
