namespace Diffusion.Torch.Tests;

public class ErrorTests
{
    [Fact]
    public void Add_ShapeMismatch_ThrowsTorchExceptionWithLibtorchMessage()
    {
        using var a = Tensor.Zeros([2, 3]);
        using var b = Tensor.Zeros([4]);

        var e = Assert.Throws<TorchException>(() => a.Add(b));

        Assert.Equal(TorchErrorKind.Torch, e.Kind);
        Assert.Contains("The size of tensor a (3) must match the size of tensor b (4) at non-singleton dimension 1", e.Message);
        Assert.DoesNotContain("frame #", e.Message);
    }

    [Fact]
    public void MatMul_IncompatibleShapes_ThrowsAndNextCallWorks()
    {
        using var a = Tensor.Zeros([2, 3]);
        using var b = Tensor.Zeros([2, 3]);

        Assert.Throws<TorchException>(() => a.MatMul(b));
        using var bt = b.Transpose(0, 1);
        using var ok = a.MatMul(bt);

        Assert.Equal([2L, 2L], ok.Shape);
    }

    [Fact]
    public void Empty_HugeAllocation_ThrowsTorchOutOfMemoryException()
    {
        // 2^42 float32 elements = 16 TiB: beyond any host, so the CPU allocator must refuse.
        var e = Assert.Throws<TorchOutOfMemoryException>(() => Tensor.Empty([1L << 42]));

        Assert.Equal(TorchErrorKind.OutOfMemory, e.Kind);
        Assert.IsAssignableFrom<TorchException>(e);
    }

    [Fact]
    public void ErrorMessages_AreKeptPerThread()
    {
        using var a = Tensor.Zeros([2]);
        using var b = Tensor.Zeros([3]);
        string? otherThreadMessage = null;

        var thread = new Thread(() =>
        {
            using var c = Tensor.Zeros([5]);
            using var d = Tensor.Zeros([7]);
            otherThreadMessage = Assert.Throws<TorchException>(() => c.Add(d)).Message;
        });
        var e = Assert.Throws<TorchException>(() => a.Add(b));
        thread.Start();
        thread.Join();

        Assert.Contains("(2)", e.Message);
        Assert.Contains("(5)", otherThreadMessage);
    }

    [Fact]
    public void NullTensorArgument_ThrowsArgumentNullException()
    {
        using var a = Tensor.Zeros([2]);
        Assert.Throws<ArgumentNullException>(() => a.Add((Tensor)null!));
        Assert.Throws<ArgumentNullException>(() => (Tensor)null! + a);
    }

    [Fact]
    public void Invalid_DtypeCode_IsRejectedByTheShim()
    {
        var e = Assert.Throws<TorchException>(() => Tensor.Zeros([1], (ScalarType)42));

        Assert.Equal(TorchErrorKind.InvalidArgument, e.Kind);
        Assert.Contains("unsupported dtype code 42", e.Message);
    }

    [NoCudaFact]
    public void CudaTensor_WithoutCuda_ThrowsTorchException() =>
        Assert.ThrowsAny<TorchException>(() => Tensor.Zeros([1], device: Device.Cuda(0)));
}
