using System.Runtime.InteropServices;
using Diffusion.Torch.Native;

namespace Diffusion.Torch;

public sealed partial class Tensor
{
    /// <summary>Copies <paramref name="data"/> (row-major) into a new tensor of the given shape on
    /// <paramref name="device"/> (CPU when null), converting to <paramref name="dtype"/> when given.</summary>
    public static Tensor FromArray<T>(T[] data, long[] shape, Device? device = null, ScalarType? dtype = null) where T : unmanaged
    {
        ArgumentNullException.ThrowIfNull(data);
        return FromSpan<T>(data, shape, device, dtype);
    }

    /// <summary>A float32 tensor holding a copy of <paramref name="data"/>.</summary>
    public static Tensor FromArray(float[] data, params long[] shape) => FromArray<float>(data, shape);

    /// <summary>An int64 tensor holding a copy of <paramref name="data"/>.</summary>
    public static Tensor FromArray(long[] data, params long[] shape) => FromArray<long>(data, shape);

    /// <summary>A uint8 tensor holding a copy of <paramref name="data"/>.</summary>
    public static Tensor FromArray(byte[] data, params long[] shape) => FromArray<byte>(data, shape);

    /// <summary>A float16 tensor holding a copy of <paramref name="data"/>.</summary>
    public static Tensor FromArray(Half[] data, params long[] shape) => FromArray<Half>(data, shape);

    /// <summary>Copies <paramref name="data"/> (row-major) into a new tensor; see <see cref="FromArray{T}(T[], long[], Device?, ScalarType?)"/>.</summary>
    public static Tensor FromSpan<T>(ReadOnlySpan<T> data, long[] shape, Device? device = null, ScalarType? dtype = null) where T : unmanaged
    {
        var source = ScalarTypeExtensions.Of<T>();
        return FromBytes(MemoryMarshal.AsBytes(data), source, shape, device, dtype ?? source);
    }

    /// <summary>Creates a tensor from raw little-endian element bytes of <paramref name="sourceType"/>
    /// (the wire and safetensors format), converting to <paramref name="dtype"/> (default: the source
    /// type) in the same single copy. The bytes need not be aligned.</summary>
    public static unsafe Tensor FromBytes(ReadOnlySpan<byte> bytes, ScalarType sourceType, long[] shape, Device? device = null, ScalarType? dtype = null)
    {
        fixed (byte* p = bytes)
            return FromPointer(p, bytes.Length, sourceType, shape, device, dtype);
    }

    /// <summary>Like <see cref="FromBytes"/> for unmanaged memory (e.g. a memory-mapped file); the
    /// memory is read once during the call and not retained.</summary>
    public static unsafe Tensor FromPointer(void* data, long byteCount, ScalarType sourceType, long[] shape, Device? device = null, ScalarType? dtype = null)
    {
        ArgumentNullException.ThrowIfNull(shape);
        var d = device ?? Device.Cpu;
        fixed (long* s = shape)
        {
            int status = NativeMethods.dt_tensor_from_data(data, byteCount, (int)sourceType, s, shape.Length,
                (int)(dtype ?? sourceType), (int)d.Type, d.Index, out var result);
            return Wrap(status, result);
        }
    }

    /// <summary>An uninitialized tensor.</summary>
    public static unsafe Tensor Empty(long[] shape, ScalarType dtype = ScalarType.Float32, Device? device = null)
    {
        ArgumentNullException.ThrowIfNull(shape);
        var d = device ?? Device.Cpu;
        fixed (long* s = shape)
            return Wrap(NativeMethods.dt_tensor_empty(s, shape.Length, (int)dtype, (int)d.Type, d.Index, out var r), r);
    }

    /// <summary>A tensor of zeros.</summary>
    public static unsafe Tensor Zeros(long[] shape, ScalarType dtype = ScalarType.Float32, Device? device = null)
    {
        ArgumentNullException.ThrowIfNull(shape);
        var d = device ?? Device.Cpu;
        fixed (long* s = shape)
            return Wrap(NativeMethods.dt_tensor_zeros(s, shape.Length, (int)dtype, (int)d.Type, d.Index, out var r), r);
    }

    /// <summary>A tensor of ones.</summary>
    public static unsafe Tensor Ones(long[] shape, ScalarType dtype = ScalarType.Float32, Device? device = null)
    {
        ArgumentNullException.ThrowIfNull(shape);
        var d = device ?? Device.Cpu;
        fixed (long* s = shape)
            return Wrap(NativeMethods.dt_tensor_ones(s, shape.Length, (int)dtype, (int)d.Type, d.Index, out var r), r);
    }

    /// <summary>A tensor filled with <paramref name="value"/>.</summary>
    public static unsafe Tensor Full(long[] shape, double value, ScalarType dtype = ScalarType.Float32, Device? device = null)
    {
        ArgumentNullException.ThrowIfNull(shape);
        var d = device ?? Device.Cpu;
        fixed (long* s = shape)
            return Wrap(NativeMethods.dt_tensor_full(s, shape.Length, value, (int)dtype, (int)d.Type, d.Index, out var r), r);
    }

    /// <summary>A 0-dim tensor holding <paramref name="value"/>.</summary>
    public static Tensor Scalar(double value, ScalarType dtype = ScalarType.Float32, Device? device = null) =>
        Full([], value, dtype, device);

    /// <summary>torch.arange(start, end, step): values in [start, end).</summary>
    public static Tensor Arange(double start, double end, double step = 1, ScalarType dtype = ScalarType.Float32, Device? device = null)
    {
        var d = device ?? Device.Cpu;
        return Wrap(NativeMethods.dt_tensor_arange(start, end, step, (int)dtype, (int)d.Type, d.Index, out var r), r);
    }

    /// <summary>torch.arange(end): 0, 1, ..., end-1.</summary>
    public static Tensor Arange(long end, ScalarType dtype = ScalarType.Int64, Device? device = null) =>
        Arange(0, end, 1, dtype, device);

    /// <summary>A new tensor with the same shape, dtype and device, filled with zeros.</summary>
    public Tensor ZerosLike() => Zeros(Shape, Dtype, Device);

    /// <summary>A new tensor with the same shape, dtype and device, filled with ones.</summary>
    public Tensor OnesLike() => Ones(Shape, Dtype, Device);
}
