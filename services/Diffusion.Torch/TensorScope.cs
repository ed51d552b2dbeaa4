namespace Diffusion.Torch;

/// <summary>Frees every tensor created on this thread while the scope is the innermost active one,
/// when the scope is disposed — except tensors moved out with <see cref="Tensor.MoveToOuterScope"/>,
/// <see cref="Keep"/> or <see cref="Tensor.DetachFromScope"/>. Scopes nest; each belongs to the thread
/// that entered it (forward passes are synchronous code).
/// <code>
/// public Tensor Forward(Tensor x)
/// {
///     using var scope = TensorScope.Enter();
///     var h = norm.Forward(x);
///     h = h.Silu();                      // the GroupNorm output is freed when the scope ends
///     h = conv.Forward(h);
///     return h.Add(x).MoveToOuterScope(); // the result survives into the caller's scope
/// }
/// </code></summary>
public sealed class TensorScope : IDisposable
{
    [ThreadStatic] private static TensorScope? t_current;

    private readonly List<Tensor> _owned = [];
    private readonly int _threadId;
    private bool _disposed;

    private TensorScope(TensorScope? parent)
    {
        Parent = parent;
        _threadId = Environment.CurrentManagedThreadId;
    }

    /// <summary>The innermost active scope of this thread, or null.</summary>
    public static TensorScope? Current => t_current;

    /// <summary>The scope that was current when this one was entered (receives moved-out tensors).</summary>
    public TensorScope? Parent { get; }

    /// <summary>How many tensors this scope will free.</summary>
    public int Count => _owned.Count;

    /// <summary>Starts a scope nested in the current one and makes it current.</summary>
    public static TensorScope Enter()
    {
        var scope = new TensorScope(t_current);
        t_current = scope;
        return scope;
    }

    /// <summary>Moves <paramref name="tensor"/> (owned by this scope) to the outer scope, or to the
    /// caller when there is none; returns it.</summary>
    public Tensor Keep(Tensor tensor)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        if (!ReferenceEquals(tensor.OwnerScope, this))
            throw new InvalidOperationException("the tensor is not owned by this scope");
        return tensor.MoveToOuterScope();
    }

    internal void Adopt(Tensor tensor)
    {
        if (_disposed)
            throw new ObjectDisposedException(nameof(TensorScope), "a tensor was created in a scope that has ended");
        _owned.Add(tensor);
        tensor.OwnerScope = this;
    }

    internal void Release(Tensor tensor)
    {
        // Tensors leave a scope mostly right after creation: search from the end.
        int index = _owned.LastIndexOf(tensor);
        if (index >= 0) _owned.RemoveAt(index);
        tensor.OwnerScope = null;
    }

    /// <summary>Frees the tensors this scope still owns and makes the parent scope current again
    /// (ending any inner scopes left open first).</summary>
    public void Dispose()
    {
        if (_disposed) return;
        if (Environment.CurrentManagedThreadId != _threadId)
            throw new InvalidOperationException("a TensorScope must be disposed on the thread that entered it");
        if (IsActive())
        {
            while (t_current is not null && !ReferenceEquals(t_current, this))
                t_current.Dispose();
            t_current = Parent;
        }
        _disposed = true;
        foreach (var tensor in _owned)
        {
            tensor.OwnerScope = null;
            tensor.Dispose();
        }
        _owned.Clear();
    }

    private bool IsActive()
    {
        for (var s = t_current; s is not null; s = s.Parent)
            if (ReferenceEquals(s, this)) return true;
        return false;
    }
}
