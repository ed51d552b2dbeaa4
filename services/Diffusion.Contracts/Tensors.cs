using System.Runtime.InteropServices;
using Diffusion.Contracts.V1;
using Google.Protobuf;

namespace Diffusion.Contracts;

/// <summary>Builds and reads <see cref="Tensor"/> messages from managed arrays (little-endian hosts).</summary>
public static class Tensors
{
    public static Tensor FromFloats(ReadOnlySpan<float> values, params long[] shape) =>
        Create(DType.F32, MemoryMarshal.AsBytes(values), shape);

    public static Tensor FromLongs(ReadOnlySpan<long> values, params long[] shape) =>
        Create(DType.I64, MemoryMarshal.AsBytes(values), shape);

    public static Tensor FromBytes(ReadOnlySpan<byte> values, params long[] shape) =>
        Create(DType.U8, values, shape);

    public static Tensor Create(DType dtype, ReadOnlySpan<byte> data, params long[] shape)
    {
        if (!BitConverter.IsLittleEndian)
            throw new PlatformNotSupportedException("Tensor bytes are little-endian; big-endian hosts are not supported.");
        var t = new Tensor { Dtype = dtype, Data = ByteString.CopyFrom(data) };
        t.Shape.Add(shape);
        return t;
    }

    /// <summary>The elements of an F32 tensor (F16 and BF16 are widened).</summary>
    public static float[] ToFloats(Tensor tensor)
    {
        var bytes = tensor.Data.Span;
        switch (tensor.Dtype)
        {
            case DType.F32:
                return MemoryMarshal.Cast<byte, float>(bytes).ToArray();
            case DType.F16:
            {
                var h = MemoryMarshal.Cast<byte, Half>(bytes);
                var r = new float[h.Length];
                for (int i = 0; i < h.Length; i++) r[i] = (float)h[i];
                return r;
            }
            case DType.Bf16:
            {
                var b = MemoryMarshal.Cast<byte, ushort>(bytes);
                var r = new float[b.Length];
                for (int i = 0; i < b.Length; i++) r[i] = BitConverter.Int32BitsToSingle(b[i] << 16);
                return r;
            }
            default:
                throw new ArgumentException($"tensor of {TensorValidation.Name(tensor.Dtype)} is not a float tensor");
        }
    }

    public static long[] Shape(Tensor tensor) => [.. tensor.Shape];
}
