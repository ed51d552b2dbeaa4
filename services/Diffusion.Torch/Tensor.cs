using System.Globalization;
using Diffusion.Torch.Native;

namespace Diffusion.Torch;

/// <summary>A reference to a libtorch tensor. Every operation returns a new <see cref="Tensor"/> that
/// the caller owns: it is freed by <see cref="Dispose"/>, or by the innermost <see cref="TensorScope"/>
/// that was active on the thread when it was created. Views (Reshape, Transpose, Narrow, ...) share
/// storage with their source; the storage lives until its last tensor is freed. Methods with the
/// <c>InPlace</c> suffix modify this tensor and return it. Instances are not thread-safe for concurrent
/// mutation, like torch tensors.</summary>
public sealed partial class Tensor : IDisposable
{
    private readonly TensorHandle _handle;
    private long[]? _shape;

    internal Tensor(TensorHandle handle)
    {
        _handle = handle;
        TensorScope.Current?.Adopt(this);
    }

    internal TensorScope? OwnerScope { get; set; }

    /// <summary>The native handle; throws when the tensor was freed.</summary>
    internal TensorHandle Handle =>
        _handle.IsClosed ? throw new ObjectDisposedException(nameof(Tensor), "the tensor was disposed (explicitly or by its TensorScope)") : _handle;

    /// <summary>Whether the tensor has been freed.</summary>
    public bool IsDisposed => _handle.IsClosed;

    /// <summary>Sizes of every dimension.</summary>
    public unsafe long[] Shape
    {
        get
        {
            if (_shape is null)
            {
                NativeStatus.Check(NativeMethods.dt_tensor_dim(Handle, out int dim));
                var shape = new long[dim];
                fixed (long* p = shape)
                    NativeStatus.Check(NativeMethods.dt_tensor_shape(Handle, p, dim));
                _shape = shape;
            }
            return (long[])_shape.Clone();
        }
    }

    /// <summary>Strides of every dimension, in elements.</summary>
    public unsafe long[] Strides
    {
        get
        {
            var strides = new long[Dim];
            fixed (long* p = strides)
                NativeStatus.Check(NativeMethods.dt_tensor_strides(Handle, p, strides.Length));
            return strides;
        }
    }

    /// <summary>Number of dimensions.</summary>
    public int Dim
    {
        get
        {
            NativeStatus.Check(NativeMethods.dt_tensor_dim(Handle, out int dim));
            return dim;
        }
    }

    /// <summary>Size of dimension <paramref name="dim"/> (negative counts from the end).</summary>
    public long Size(int dim)
    {
        var shape = Shape;
        int d = dim < 0 ? dim + shape.Length : dim;
        if ((uint)d >= (uint)shape.Length)
            throw new ArgumentOutOfRangeException(nameof(dim), dim, $"tensor has {shape.Length} dims");
        return shape[d];
    }

    /// <summary>Number of elements.</summary>
    public long NumEl
    {
        get
        {
            NativeStatus.Check(NativeMethods.dt_tensor_numel(Handle, out long n));
            return n;
        }
    }

    /// <summary>The element type.</summary>
    public ScalarType Dtype
    {
        get
        {
            NativeStatus.Check(NativeMethods.dt_tensor_dtype(Handle, out int dtype));
            return (ScalarType)dtype;
        }
    }

    /// <summary>The device holding the data.</summary>
    public Device Device
    {
        get
        {
            NativeStatus.Check(NativeMethods.dt_tensor_device(Handle, out int type, out int index));
            return new Device((DeviceType)type, index);
        }
    }

    /// <summary>Whether the elements are laid out densely in the given memory format.</summary>
    public bool IsContiguous(MemoryFormat format = MemoryFormat.Contiguous)
    {
        NativeStatus.Check(NativeMethods.dt_tensor_is_contiguous(Handle, (int)format, out int contiguous));
        return contiguous != 0;
    }

    /// <summary>Moves this tensor from its scope to that scope's parent (or, without a parent, out of
    /// every scope: the caller then owns it). Returns this tensor.</summary>
    public Tensor MoveToOuterScope()
    {
        var owner = OwnerScope;
        if (owner is null) return this;
        owner.Release(this);
        owner.Parent?.Adopt(this);
        return this;
    }

    /// <summary>Takes this tensor out of every scope: the caller must <see cref="Dispose"/> it (modules
    /// do this for their parameters). Returns this tensor.</summary>
    public Tensor DetachFromScope()
    {
        OwnerScope?.Release(this);
        return this;
    }

    /// <summary>Frees the native tensor now (idempotent).</summary>
    public void Dispose() => _handle.Dispose();

    /// <summary>Shape, dtype and device, e.g. <c>Tensor[2, 4, 64, 64] Float32 cpu</c>.</summary>
    public override string ToString() => IsDisposed
        ? "Tensor(disposed)"
        : $"Tensor[{string.Join(", ", Shape.Select(s => s.ToString(CultureInfo.InvariantCulture)))}] {Dtype} {Device}";

    // Turns a native call producing one tensor into an owned Tensor (adopted by the current scope).
    internal static Tensor Wrap(int status, TensorHandle result)
    {
        if (status != NativeStatus.Ok)
        {
            result.Dispose();
            throw NativeStatus.CreateException(status);
        }
        return new Tensor(result);
    }
}
