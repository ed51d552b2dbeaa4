namespace Diffusion.Torch.Nn;

/// <summary>Base of every layer and model, mirroring torch.nn.Module for inference: named children,
/// parameters and buffers whose dotted paths are the diffusers/transformers state-dict keys
/// ("down_blocks.0.attentions.0.proj_in.weight"). A module owns its parameters and buffers (they live
/// outside every <see cref="TensorScope"/>) and frees them, and its children, on <see cref="Dispose()"/>.
/// Each module exposes its own <c>Forward(...)</c> method; it returns a tensor owned by the caller
/// (adopted by the caller's scope) and frees its intermediates with a scope of its own.</summary>
public abstract class Module : IDisposable
{
    private readonly List<string> _childOrder = [];
    private readonly Dictionary<string, Module> _children = new(StringComparer.Ordinal);
    private readonly List<string> _tensorOrder = [];
    private readonly Dictionary<string, Slot> _tensors = new(StringComparer.Ordinal);
    private bool _disposed;

    private sealed class Slot(Tensor? value, bool isBuffer, bool persistent)
    {
        public Tensor? Value = value;
        public readonly bool IsBuffer = isBuffer;
        public readonly bool Persistent = persistent;
    }

    /// <summary>Registers <paramref name="child"/> under <paramref name="name"/> (its state-dict prefix); returns it.</summary>
    protected T RegisterModule<T>(string name, T child) where T : Module
    {
        ValidateName(name);
        ArgumentNullException.ThrowIfNull(child);
        if (_children.ContainsKey(name) || _tensors.ContainsKey(name))
            throw new ArgumentException($"'{name}' is already registered in {GetType().Name}", nameof(name));
        _childOrder.Add(name);
        _children[name] = child;
        return child;
    }

    /// <summary>Registers a parameter (null: declared but absent, like <c>bias=None</c>). The module
    /// takes ownership of <paramref name="tensor"/>.</summary>
    protected Tensor? RegisterParameter(string name, Tensor? tensor) => AddTensor(name, tensor, isBuffer: false, persistent: true);

    /// <summary>Registers a buffer; non-persistent buffers are not part of the state dict (like
    /// <c>register_buffer(..., persistent=False)</c>). The module takes ownership of <paramref name="tensor"/>.</summary>
    protected Tensor? RegisterBuffer(string name, Tensor? tensor, bool persistent = true) => AddTensor(name, tensor, isBuffer: true, persistent);

    private Tensor? AddTensor(string name, Tensor? tensor, bool isBuffer, bool persistent)
    {
        ValidateName(name);
        if (_children.ContainsKey(name) || _tensors.ContainsKey(name))
            throw new ArgumentException($"'{name}' is already registered in {GetType().Name}", nameof(name));
        tensor?.DetachFromScope();
        _tensorOrder.Add(name);
        _tensors[name] = new Slot(tensor, isBuffer, persistent);
        return tensor;
    }

    /// <summary>The current tensor of parameter or buffer <paramref name="name"/> of this module (null
    /// when registered as absent). Look it up at use: <c>To(...)</c> replaces tensors.</summary>
    protected Tensor? GetTensor(string name) =>
        _tensors.TryGetValue(name, out var slot) ? slot.Value
            : throw new KeyNotFoundException($"{GetType().Name} has no parameter or buffer '{name}'");

    /// <summary>Replaces the tensor of parameter or buffer <paramref name="name"/> (the old one is freed;
    /// the module takes ownership of the new one).</summary>
    protected void SetTensor(string name, Tensor? tensor)
    {
        if (!_tensors.TryGetValue(name, out var slot))
            throw new KeyNotFoundException($"{GetType().Name} has no parameter or buffer '{name}'");
        if (ReferenceEquals(slot.Value, tensor)) return;
        tensor?.DetachFromScope();
        slot.Value?.Dispose();
        slot.Value = tensor;
    }

    /// <summary>Direct children in registration order.</summary>
    public IEnumerable<(string Name, Module Module)> NamedChildren() => _childOrder.Select(n => (n, _children[n]));

    /// <summary>This module ("") and every descendant with its dotted path, depth first.</summary>
    public IEnumerable<(string Name, Module Module)> NamedModules(string prefix = "")
    {
        yield return (prefix, this);
        foreach (var name in _childOrder)
            foreach (var item in _children[name].NamedModules(Join(prefix, name)))
                yield return item;
    }

    /// <summary>Every parameter (absent ones skipped) with its dotted state-dict key, in PyTorch's order
    /// (own parameters, then children's).</summary>
    public IEnumerable<(string Name, Tensor Tensor)> NamedParameters() => NamedTensors(s => !s.IsBuffer);

    /// <summary>Every buffer with its dotted key (persistent or not).</summary>
    public IEnumerable<(string Name, Tensor Tensor)> NamedBuffers() => NamedTensors(s => s.IsBuffer);

    /// <summary>Parameters and persistent buffers by dotted key: what <see cref="LoadStateDict"/> reads
    /// and a checkpoint stores. The tensors stay owned by the module.</summary>
    public IReadOnlyList<KeyValuePair<string, Tensor>> StateDict() =>
        NamedTensors(s => !s.IsBuffer || s.Persistent).Select(p => KeyValuePair.Create(p.Name, p.Tensor)).ToList();

    /// <summary>Total number of parameter elements.</summary>
    public long ParameterCount => NamedParameters().Sum(p => p.Tensor.NumEl);

    private IEnumerable<(string Name, Tensor Tensor)> NamedTensors(Func<Slot, bool> filter, string prefix = "")
    {
        foreach (var name in _tensorOrder)
        {
            var slot = _tensors[name];
            if (slot.Value is not null && filter(slot))
                yield return (Join(prefix, name), slot.Value);
        }
        foreach (var name in _childOrder)
            foreach (var item in _children[name].NamedTensors(filter, Join(prefix, name)))
                yield return item;
    }

    /// <summary>Loads every parameter and persistent buffer from <paramref name="source"/> by dotted key,
    /// into the module's existing tensors (so each keeps the module's dtype and device; the source is read
    /// once and converted on the way). Strict (the default): any missing, unexpected or shape-mismatched
    /// key throws <see cref="StateDictLoadException"/> listing all of them, before anything is loaded.
    /// Not strict: loads what matches and reports the rest. Source keys for which
    /// <paramref name="ignoreUnexpected"/> returns true are neither loaded nor reported (transformers'
    /// <c>_keys_to_ignore_on_load_unexpected</c>, e.g. a legacy <c>position_ids</c> buffer).</summary>
    public StateDictLoadReport LoadStateDict(IStateDictSource source, bool strict = true, Func<string, bool>? ignoreUnexpected = null)
    {
        ArgumentNullException.ThrowIfNull(source);
        var expected = StateDict();
        var expectedKeys = new HashSet<string>(expected.Select(p => p.Key), StringComparer.Ordinal);
        var missing = new List<string>();
        var mismatched = new List<ShapeMismatch>();
        var toLoad = new List<KeyValuePair<string, Tensor>>();
        foreach (var (key, tensor) in expected)
        {
            if (!source.TryGetInfo(key, out var info))
            {
                missing.Add(key);
                continue;
            }
            var shape = tensor.Shape;
            if (!shape.AsSpan().SequenceEqual(info.Shape))
                mismatched.Add(new ShapeMismatch(key, shape, info.Shape));
            else
                toLoad.Add(KeyValuePair.Create(key, tensor));
        }
        var unexpected = source.Keys
            .Where(k => !expectedKeys.Contains(k) && !(ignoreUnexpected?.Invoke(k) ?? false))
            .Order(StringComparer.Ordinal).ToList();
        var report = new StateDictLoadReport(missing, unexpected, mismatched, toLoad.Count);
        if (strict && !report.IsComplete)
            throw new StateDictLoadException(GetType().Name, report);
        foreach (var (key, tensor) in toLoad)
            source.ReadInto(key, tensor);
        return report;
    }

    /// <summary>Moves every parameter and buffer to <paramref name="device"/> and converts the
    /// floating-point ones to <paramref name="dtype"/> when given (integer/bool buffers keep their type,
    /// like torch's <c>module.to(device, dtype)</c>). Returns this.</summary>
    public Module To(Device device, ScalarType? dtype = null)
    {
        foreach (var (_, module) in NamedModules())
            module.ConvertOwn(device, dtype);
        return this;
    }

    /// <summary>Converts the floating-point parameters and buffers to <paramref name="dtype"/>. Returns this.</summary>
    public Module To(ScalarType dtype)
    {
        foreach (var (_, module) in NamedModules())
            module.ConvertOwn(null, dtype);
        return this;
    }

    private void ConvertOwn(Device? device, ScalarType? dtype)
    {
        foreach (var name in _tensorOrder)
        {
            var slot = _tensors[name];
            if (slot.Value is not { } current) continue;
            var currentType = current.Dtype;
            var targetType = dtype is { } d && currentType.IsFloatingPoint() ? d : currentType;
            var targetDevice = device ?? current.Device;
            if (targetType == currentType && targetDevice == current.Device) continue;
            SetTensor(name, current.To(targetDevice, targetType).DetachFromScope());
        }
    }

    /// <summary>Frees every parameter and buffer of this module and its descendants.</summary>
    public void Dispose()
    {
        Dispose(disposing: true);
        GC.SuppressFinalize(this);
    }

    /// <summary>Frees this module's tensors and children; override to release other resources a
    /// module holds (call the base).</summary>
    protected virtual void Dispose(bool disposing)
    {
        if (_disposed || !disposing) return;
        _disposed = true;
        foreach (var slot in _tensors.Values) slot.Value?.Dispose();
        foreach (var child in _children.Values) child.Dispose();
    }

    private static string Join(string prefix, string name) => prefix.Length == 0 ? name : prefix + "." + name;

    private static void ValidateName(string name)
    {
        if (string.IsNullOrEmpty(name) || name.Contains('.'))
            throw new ArgumentException($"'{name}' is not a valid module/parameter name (non-empty, no '.')", nameof(name));
    }
}
