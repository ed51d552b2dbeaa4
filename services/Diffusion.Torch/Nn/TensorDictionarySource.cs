namespace Diffusion.Torch.Nn;

/// <summary>An <see cref="IStateDictSource"/> over tensors in memory (tests, converted checkpoints,
/// another module's <see cref="Module.StateDict"/>). It does not own the tensors.</summary>
public sealed class TensorDictionarySource : IStateDictSource
{
    private readonly IReadOnlyDictionary<string, Tensor> _tensors;

    /// <summary>Wraps <paramref name="tensors"/> (not copied; must stay alive while loading).</summary>
    public TensorDictionarySource(IReadOnlyDictionary<string, Tensor> tensors) =>
        _tensors = tensors ?? throw new ArgumentNullException(nameof(tensors));

    /// <summary>Wraps named tensors, e.g. <c>module.StateDict()</c>.</summary>
    public TensorDictionarySource(IEnumerable<KeyValuePair<string, Tensor>> tensors) =>
        _tensors = new Dictionary<string, Tensor>(tensors ?? throw new ArgumentNullException(nameof(tensors)), StringComparer.Ordinal);

    /// <inheritdoc/>
    public IEnumerable<string> Keys => _tensors.Keys;

    /// <inheritdoc/>
    public bool TryGetInfo(string key, out TensorInfo info)
    {
        if (_tensors.TryGetValue(key, out var t))
        {
            info = new TensorInfo(t.Dtype, t.Shape);
            return true;
        }
        info = default;
        return false;
    }

    /// <inheritdoc/>
    public void ReadInto(string key, Tensor destination)
    {
        ArgumentNullException.ThrowIfNull(destination);
        destination.CopyFrom(Get(key));
    }

    /// <inheritdoc/>
    public Tensor Load(string key, ScalarType? dtype = null, Device? device = null)
    {
        var source = Get(key);
        using var converted = source.To(device ?? Device.Cpu, dtype ?? source.Dtype).DetachFromScope();
        return converted.Clone(); // own storage even when no conversion was needed
    }

    private Tensor Get(string key) =>
        _tensors.TryGetValue(key, out var t) ? t : throw new KeyNotFoundException($"no tensor named '{key}'");
}
