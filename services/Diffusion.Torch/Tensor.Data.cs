using System.Runtime.InteropServices;
using Diffusion.Torch.Native;

namespace Diffusion.Torch;

public sealed partial class Tensor
{
    /// <summary>Copies the elements (row-major, any device or strides) into <paramref name="destination"/>,
    /// whose element type must match <see cref="Dtype"/> (ushort for BFloat16 bits) and whose length must be <see cref="NumEl"/>.</summary>
    public unsafe void CopyTo<T>(Span<T> destination) where T : unmanaged
    {
        var dtype = Dtype;
        // bfloat16 has no CLR type: its raw bits travel as ushort.
        bool matches = typeof(T) == typeof(ushort) ? dtype == ScalarType.BFloat16 : dtype == ScalarTypeExtensions.Of<T>();
        if (!matches)
            throw new InvalidOperationException($"tensor is {dtype}, cannot copy into {typeof(T).Name} elements (convert with To(...) first)");
        CopyToBytes(MemoryMarshal.AsBytes(destination));
    }

    /// <summary>Copies the raw element bytes (little-endian, row-major) into <paramref name="destination"/>,
    /// which must hold exactly NumEl * element size bytes: the wire and safetensors format.</summary>
    public unsafe void CopyToBytes(Span<byte> destination)
    {
        fixed (byte* p = destination)
            NativeStatus.Check(NativeMethods.dt_tensor_copy_to(Handle, p, destination.Length));
    }

    /// <summary>Like <see cref="CopyToBytes"/> into unmanaged memory of <paramref name="byteCount"/> bytes (no 2 GB limit).</summary>
    public unsafe void CopyToPointer(void* destination, long byteCount) =>
        NativeStatus.Check(NativeMethods.dt_tensor_copy_to(Handle, destination, byteCount));

    /// <summary>Overwrites this tensor (any dtype, device, strides) with raw little-endian elements of
    /// <paramref name="sourceType"/> laid out row-major in this tensor's shape, converting in the same
    /// single pass. Returns this.</summary>
    public unsafe Tensor CopyFromBytes(ReadOnlySpan<byte> bytes, ScalarType sourceType)
    {
        fixed (byte* p = bytes)
            return CopyFromPointer(p, bytes.Length, sourceType);
    }

    /// <summary>Like <see cref="CopyFromBytes"/> from unmanaged memory (e.g. a memory-mapped file); read once, not retained.</summary>
    public unsafe Tensor CopyFromPointer(void* data, long byteCount, ScalarType sourceType)
    {
        NativeStatus.Check(NativeMethods.dt_tensor_copy_from_data(Handle, data, byteCount, (int)sourceType));
        return this;
    }

    /// <summary>The raw element bytes (little-endian, row-major).</summary>
    public byte[] ToBytes()
    {
        var bytes = new byte[checked(NumEl * Dtype.ElementSize())];
        CopyToBytes(bytes);
        return bytes;
    }

    /// <summary>The elements as a new array; <typeparamref name="T"/> must match <see cref="Dtype"/>.</summary>
    public T[] ToArray<T>() where T : unmanaged
    {
        var result = new T[checked((int)NumEl)];
        CopyTo<T>(result);
        return result;
    }

    /// <summary>The elements converted to float32 (any dtype).</summary>
    public float[] ToFloatArray()
    {
        if (Dtype == ScalarType.Float32)
            return ToArray<float>();
        using var converted = To(ScalarType.Float32).DetachFromScope();
        return converted.ToArray<float>();
    }

    /// <summary>The value of a one-element tensor.</summary>
    public double Item()
    {
        NativeStatus.Check(NativeMethods.dt_tensor_item(Handle, out double value));
        return value;
    }

    /// <summary>Converts to <paramref name="dtype"/> (a new handle to the same tensor when unchanged).</summary>
    public Tensor To(ScalarType dtype) => ToCore((int)dtype, -1, -1, nonBlocking: false, copy: false);

    /// <summary>Moves to <paramref name="device"/> (a new handle to the same tensor when unchanged).</summary>
    public Tensor To(Device device, bool nonBlocking = false) => ToCore(-1, (int)device.Type, device.Index, nonBlocking, copy: false);

    /// <summary>Moves to <paramref name="device"/> and converts to <paramref name="dtype"/> in one step.</summary>
    public Tensor To(Device device, ScalarType dtype, bool nonBlocking = false) => ToCore((int)dtype, (int)device.Type, device.Index, nonBlocking, copy: false);

    private Tensor ToCore(int dtype, int deviceType, int deviceIndex, bool nonBlocking, bool copy) =>
        Wrap(NativeMethods.dt_tensor_to(Handle, dtype, deviceType, deviceIndex, nonBlocking ? 1 : 0, copy ? 1 : 0, out var r), r);

    /// <summary>A copy with its own storage.</summary>
    public Tensor Clone() => Wrap(NativeMethods.dt_tensor_clone(Handle, out var r), r);

    /// <summary>This tensor laid out in <paramref name="format"/> (a new handle to the same tensor when it already is);
    /// <c>Contiguous(MemoryFormat.ChannelsLast)</c> is torch's <c>x.to(memory_format=torch.channels_last)</c>.</summary>
    public Tensor Contiguous(MemoryFormat format = MemoryFormat.Contiguous) =>
        Wrap(NativeMethods.dt_tensor_contiguous(Handle, (int)format, out var r), r);

    /// <summary>A second, independently disposable handle to the same tensor.</summary>
    public Tensor Alias() => Wrap(NativeMethods.dt_tensor_alias(Handle, out var r), r);

    /// <summary>Copies <paramref name="source"/> into this tensor (broadcasting, converting dtype and device); returns this.</summary>
    public Tensor CopyFrom(Tensor source)
    {
        ArgumentNullException.ThrowIfNull(source);
        NativeStatus.Check(NativeMethods.dt_tensor_copy_(Handle, source.Handle));
        return this;
    }
}
