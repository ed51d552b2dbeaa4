namespace Diffusion.Torch.Nn;

/// <summary>Dtype and shape of a stored tensor, known without reading its data.</summary>
/// <param name="Dtype">The stored element type.</param>
/// <param name="Shape">The stored shape.</param>
public readonly record struct TensorInfo(ScalarType Dtype, long[] Shape);

/// <summary>Named tensors a <see cref="Module"/> can load from: safetensors files (single or sharded)
/// or in-memory dictionaries. Keys are the diffusers/transformers state-dict names.</summary>
public interface IStateDictSource
{
    /// <summary>Every tensor name.</summary>
    IEnumerable<string> Keys { get; }

    /// <summary>Dtype and shape of <paramref name="key"/>; false when absent.</summary>
    bool TryGetInfo(string key, out TensorInfo info);

    /// <summary>Writes the stored tensor into <paramref name="destination"/> (same shape; any dtype
    /// or device: converted on the way, reading the source once).</summary>
    void ReadInto(string key, Tensor destination);

    /// <summary>A new tensor holding the stored values, converted to <paramref name="dtype"/> (default:
    /// the stored dtype) on <paramref name="device"/> (default: CPU). The caller owns it.</summary>
    Tensor Load(string key, ScalarType? dtype = null, Device? device = null);
}
