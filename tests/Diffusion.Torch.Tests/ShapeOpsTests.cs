namespace Diffusion.Torch.Tests;

public class ShapeOpsTests
{
    private static float[] Iota(int n) => Enumerable.Range(0, n).Select(i => (float)i).ToArray();

    [Fact]
    public void ReshapeViewPermuteTranspose_ReorderElementsLikeTorch()
    {
        using var t = Tensor.FromArray(Iota(6), 2, 3);
        using var scope = TensorScope.Enter();

        Assert.Equal([3L, 2L], t.Reshape(3, -1).Shape);
        Assert.Equal(Iota(6), t.View(6).ToArray<float>());
        var tr = t.Transpose(0, 1);
        Assert.Equal([0f, 3f, 1f, 4f, 2f, 5f], tr.ToArray<float>());
        Assert.False(tr.IsContiguous());
        Assert.True(tr.Contiguous().IsContiguous());
        Assert.Equal([0f, 3f, 1f, 4f, 2f, 5f], t.Permute(1, 0).ToArray<float>());
        Assert.Throws<TorchException>(() => tr.View(6));
        Assert.Equal([0f, 3f, 1f, 4f, 2f, 5f], tr.Reshape(6).ToArray<float>());
    }

    [Fact]
    public void NarrowSliceSelectIndexSelect_PickExpectedElements()
    {
        using var t = Tensor.FromArray(Iota(12), 3, 4);
        using var index = Tensor.FromArray([2L, 0L], 2);
        using var scope = TensorScope.Enter();

        Assert.Equal([4f, 5f, 6f, 7f, 8f, 9f, 10f, 11f], t.Narrow(0, 1, 2).ToArray<float>());
        Assert.Equal([1f, 3f, 5f, 7f, 9f, 11f], t.Slice(1, 1, 100, 2).ToArray<float>());
        Assert.Equal([2f, 6f, 10f], t.Select(1, 2).ToArray<float>());
        Assert.Equal([8f, 9f, 10f, 11f, 0f, 1f, 2f, 3f], t.IndexSelect(0, index).ToArray<float>());
    }

    [Fact]
    public void NarrowView_SharesStorage()
    {
        using var t = Tensor.Zeros([4]);
        using var view = t.Narrow(0, 1, 2);

        view.AddInPlace(5);

        Assert.Equal([0f, 5f, 5f, 0f], t.ToArray<float>());
    }

    [Fact]
    public void UnsqueezeSqueezeFlattenExpandRepeatTriu_ProduceTorchShapes()
    {
        using var t = Tensor.FromArray(Iota(6), 2, 3);
        using var ones = Tensor.Ones([3, 3]);
        using var scope = TensorScope.Enter();

        Assert.Equal([2L, 1L, 3L], t.Unsqueeze(1).Shape);
        Assert.Equal([2L, 3L], t.Unsqueeze(1).Squeeze(1).Shape);
        Assert.Equal([6L], t.Flatten().Shape);
        Assert.Equal([4L, 2L, 3L], t.Unsqueeze(0).Expand(4, -1, -1).Shape);
        Assert.Equal([0f, 1f, 2f, 0f, 1f, 2f, 3f, 4f, 5f, 3f, 4f, 5f], t.Repeat(1, 2).ToArray<float>());
        Assert.Equal([0f, 1f, 1f, 0f, 0f, 1f, 0f, 0f, 0f], ones.Triu(1).ToArray<float>());
    }

    [Fact]
    public void CatStack_JoinAlongDims()
    {
        using var a = Tensor.FromArray([1f, 2f], 1, 2);
        using var b = Tensor.FromArray([3f, 4f], 1, 2);
        using var scope = TensorScope.Enter();

        var c0 = Tensor.Cat([a, b]);
        var c1 = Tensor.Cat([a, b], dim: 1);
        var s = Tensor.Stack([a, b], dim: 0);

        Assert.Equal([2L, 2L], c0.Shape);
        Assert.Equal([1f, 2f, 3f, 4f], c0.ToArray<float>());
        Assert.Equal([1L, 4L], c1.Shape);
        Assert.Equal([2L, 1L, 2L], s.Shape);
        Assert.Throws<ArgumentException>(() => Tensor.Cat([]));
    }

    [Fact]
    public void Cat_MismatchedShapes_ThrowsTorchExceptionWithLibtorchMessage()
    {
        using var a = Tensor.Zeros([2, 3]);
        using var b = Tensor.Zeros([2, 4]);

        var e = Assert.Throws<TorchException>(() => Tensor.Cat([a, b], 0));
        Assert.Contains("Sizes of tensors must match", e.Message);
    }

    [Fact]
    public void ChunkSplit_ReturnViewsInOrder()
    {
        using var t = Tensor.FromArray(Iota(10), 10);
        using var scope = TensorScope.Enter();

        var chunks = t.Chunk(3);
        var split = t.Split([2L, 8L]);
        var bySize = t.Split(4L);

        Assert.Equal([4L, 4L, 2L], chunks.Select(c => c.NumEl));
        Assert.Equal([8f, 9f], chunks[2].ToArray<float>());
        Assert.Equal([0f, 1f], split[0].ToArray<float>());
        Assert.Equal(8, split[1].NumEl);
        Assert.Equal([4L, 4L, 2L], bySize.Select(c => c.NumEl));
        Assert.Throws<TorchException>(() => t.Split([3L, 3L]));
    }

    [Fact]
    public void ContiguousChannelsLast_KeepsShapeChangesStrides()
    {
        using var t = Tensor.FromArray(Iota(2 * 3 * 4 * 5), 2, 3, 4, 5);
        using var cl = t.Contiguous(MemoryFormat.ChannelsLast);

        Assert.Equal(t.Shape, cl.Shape);
        Assert.True(cl.IsContiguous(MemoryFormat.ChannelsLast));
        Assert.False(cl.IsContiguous());
        Assert.Equal([60L, 1L, 15L, 3L], cl.Strides);
        Assert.Equal(t.ToArray<float>(), cl.ToArray<float>());
    }
}
