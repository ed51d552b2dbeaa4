namespace Diffusion.Torch.Tests;

public class TensorCreationTests
{
    [Fact]
    public void FromArray_Float32_RoundTripsShapeDtypeDeviceAndValues()
    {
        float[] data = [1, 2, 3, 4, 5, 6];
        using var t = Tensor.FromArray(data, 2, 3);

        Assert.Equal([2L, 3L], t.Shape);
        Assert.Equal(ScalarType.Float32, t.Dtype);
        Assert.Equal(Device.Cpu, t.Device);
        Assert.Equal(6, t.NumEl);
        Assert.Equal(2, t.Dim);
        Assert.Equal(data, t.ToArray<float>());
    }

    [Fact]
    public void FromArray_TypedOverloads_KeepTheirDtype()
    {
        using var l = Tensor.FromArray([1L, -2L, 3L], 3);
        using var b = Tensor.FromArray(new byte[] { 0, 255 }, 2);
        using var h = Tensor.FromArray([(Half)1.5f, (Half)(-2f)], 2);
        using var i = Tensor.FromArray([7, 8], [2]);

        Assert.Equal(ScalarType.Int64, l.Dtype);
        Assert.Equal([1L, -2L, 3L], l.ToArray<long>());
        Assert.Equal(ScalarType.UInt8, b.Dtype);
        Assert.Equal(new byte[] { 0, 255 }, b.ToArray<byte>());
        Assert.Equal(ScalarType.Float16, h.Dtype);
        Assert.Equal([(Half)1.5f, (Half)(-2f)], h.ToArray<Half>());
        Assert.Equal(ScalarType.Int32, i.Dtype);
    }

    [Fact]
    public void FromArray_WrongElementCount_ThrowsTorchException()
    {
        var e = Assert.Throws<TorchException>(() => Tensor.FromArray([1f, 2f, 3f], 2, 2));
        Assert.Equal(TorchErrorKind.InvalidArgument, e.Kind);
        Assert.Contains("12 bytes given for 4 elements", e.Message);
    }

    [Fact]
    public void FromBytes_ConvertsDtypeInTheSameCopy()
    {
        var halves = new[] { (Half)0.5f, (Half)(-1.25f), (Half)3f };
        var bytes = System.Runtime.InteropServices.MemoryMarshal.AsBytes(halves.AsSpan()).ToArray();

        using var t = Tensor.FromBytes(bytes, ScalarType.Float16, [3], dtype: ScalarType.Float32);

        Assert.Equal(ScalarType.Float32, t.Dtype);
        Assert.Equal([0.5f, -1.25f, 3f], t.ToArray<float>());
    }

    [Fact]
    public void FromBytes_UnalignedSource_ReadsCorrectly()
    {
        float[] values = [1.5f, -2.25f, 1e-3f];
        var buffer = new byte[1 + values.Length * 4];
        System.Runtime.InteropServices.MemoryMarshal.AsBytes(values.AsSpan()).CopyTo(buffer.AsSpan(1));

        using var t = Tensor.FromBytes(buffer.AsSpan(1), ScalarType.Float32, [3]);

        Assert.Equal(values, t.ToArray<float>());
    }

    [Fact]
    public void CopyToBytes_BFloat16_GivesUpperHalfOfFloat32Bits()
    {
        using var f = Tensor.FromArray([1f, -2f, 0.15625f], 3);
        using var bf = f.To(ScalarType.BFloat16);

        var bits = bf.ToArray<ushort>();
        var bytes = bf.ToBytes();

        Assert.Equal([(ushort)0x3F80, (ushort)0xC000, (ushort)0x3E20], bits);
        Assert.Equal(6, bytes.Length);
        Assert.Equal(new byte[] { 0x80, 0x3F }, bytes[..2]); // little-endian 0x3F80
    }

    [Fact]
    public void ZerosOnesFullArange_ProduceExpectedValues()
    {
        using var z = Tensor.Zeros([2, 2]);
        using var o = Tensor.Ones([3], ScalarType.Int64);
        using var f = Tensor.Full([2], 2.5);
        using var a = Tensor.Arange(0, 1, 0.25);
        using var ai = Tensor.Arange(4);
        using var s = Tensor.Scalar(7);

        Assert.Equal(new float[4], z.ToArray<float>());
        Assert.Equal([1L, 1L, 1L], o.ToArray<long>());
        Assert.Equal([2.5f, 2.5f], f.ToArray<float>());
        Assert.Equal([0f, 0.25f, 0.5f, 0.75f], a.ToArray<float>());
        Assert.Equal([0L, 1L, 2L, 3L], ai.ToArray<long>());
        Assert.Empty(s.Shape);
        Assert.Equal(7.0, s.Item());
    }

    [Fact]
    public void Empty_ZeroSizedDimension_HasNoElements()
    {
        using var t = Tensor.Empty([0, 3]);
        Assert.Equal(0, t.NumEl);
        Assert.Empty(t.ToArray<float>());
    }

    [Fact]
    public void CopyTo_WrongElementType_Throws()
    {
        using var t = Tensor.FromArray([1f], 1);
        Assert.Throws<InvalidOperationException>(() => t.ToArray<long>());
    }

    [Fact]
    public void ToFloatArray_ConvertsAnyDtype()
    {
        using var t = Tensor.FromArray([1L, 2L, 300L], 3);
        Assert.Equal([1f, 2f, 300f], t.ToFloatArray());
    }

    [Fact]
    public void Dispose_ThenUse_ThrowsObjectDisposed()
    {
        var t = Tensor.Zeros([1]);
        t.Dispose();
        t.Dispose();

        Assert.True(t.IsDisposed);
        Assert.Throws<ObjectDisposedException>(() => t.Add(1));
        Assert.Equal("Tensor(disposed)", t.ToString());
    }

    [Fact]
    public void ToString_ShowsShapeDtypeDevice()
    {
        using var t = Tensor.Zeros([2, 4, 8, 8]);
        Assert.Equal("Tensor[2, 4, 8, 8] Float32 cpu", t.ToString());
    }

    [Fact]
    public void Clone_HasOwnStorage_AliasSharesIt()
    {
        using var t = Tensor.FromArray([1f, 2f], 2);
        using var clone = t.Clone();
        using var alias = t.Alias();

        t.AddInPlace(10);

        Assert.Equal([1f, 2f], clone.ToArray<float>());
        Assert.Equal([11f, 12f], alias.ToArray<float>());
    }

    [Fact]
    public void CopyFromBytes_ConvertsIntoExistingTensor()
    {
        using var t = Tensor.Zeros([2], ScalarType.Float16);
        var source = System.Runtime.InteropServices.MemoryMarshal.AsBytes(new[] { 1.5f, -4f }.AsSpan()).ToArray();

        t.CopyFromBytes(source, ScalarType.Float32);

        Assert.Equal([(Half)1.5f, (Half)(-4f)], t.ToArray<Half>());
    }

    [Fact]
    public void To_ChangingDtype_ConvertsValues()
    {
        using var t = Tensor.FromArray([1.7f, -2.2f], 2);
        using var l = t.To(ScalarType.Int64);
        using var h = t.To(Device.Cpu, ScalarType.Float16);

        Assert.Equal([1L, -2L], l.ToArray<long>());
        Assert.Equal(ScalarType.Float16, h.Dtype);
    }
}
