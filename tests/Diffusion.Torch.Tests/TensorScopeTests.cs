namespace Diffusion.Torch.Tests;

// Live-count assertions assume no other test allocates concurrently: this collection runs alone.
[Collection(NativeMemoryCollection.Name)]
public class TensorScopeTests
{
    [Fact]
    public void Dispose_FreesEveryTensorCreatedInside()
    {
        NativeMemoryCollection.Settle();
        long before = Torch.LiveTensorCount;
        Tensor inner;
        using (TensorScope.Enter())
        {
            var x = Tensor.Ones([4]);
            var h = x.Mul(2);
            h = h.Silu();
            inner = h.Add(1);
            Assert.Equal(before + 4, Torch.LiveTensorCount);
        }

        Assert.Equal(before, Torch.LiveTensorCount);
        Assert.True(inner.IsDisposed);
    }

    [Fact]
    public void MoveToOuterScope_SurvivesInnerScopeAndDiesWithOuter()
    {
        NativeMemoryCollection.Settle();
        long before = Torch.LiveTensorCount;
        Tensor kept;
        using (var outer = TensorScope.Enter())
        {
            using (TensorScope.Enter())
            {
                var a = Tensor.Ones([2]);
                kept = a.Add(a).MoveToOuterScope();
            }
            Assert.False(kept.IsDisposed);
            Assert.Equal(1, outer.Count);
            Assert.Equal([2f, 2f], kept.ToArray<float>());
        }

        Assert.True(kept.IsDisposed);
        Assert.Equal(before, Torch.LiveTensorCount);
    }

    [Fact]
    public void MoveToOuterScope_WithoutParent_CallerOwnsTheTensor()
    {
        Tensor result;
        using (var scope = TensorScope.Enter())
        {
            result = scope.Keep(Tensor.Zeros([3]));
        }

        Assert.False(result.IsDisposed);
        result.Dispose();
    }

    [Fact]
    public void DetachFromScope_LeavesEveryScope()
    {
        Tensor detached;
        using (TensorScope.Enter())
        using (TensorScope.Enter())
        {
            detached = Tensor.Zeros([1]).DetachFromScope();
        }

        Assert.False(detached.IsDisposed);
        detached.Dispose();
    }

    [Fact]
    public void Keep_TensorOfAnotherScope_Throws()
    {
        using var outer = TensorScope.Enter();
        var t = Tensor.Zeros([1]);
        using var inner = TensorScope.Enter();

        Assert.Throws<InvalidOperationException>(() => inner.Keep(t));
    }

    [Fact]
    public void Dispose_OuterBeforeInner_EndsBothAndRestoresParent()
    {
        var parent = TensorScope.Current;
        var outer = TensorScope.Enter();
        var inner = TensorScope.Enter();
        var t = Tensor.Zeros([1]);

        outer.Dispose();

        Assert.Same(parent, TensorScope.Current);
        Assert.True(t.IsDisposed);
        inner.Dispose(); // idempotent
    }

    [Fact]
    public void ExplicitDispose_InsideScope_IsHarmless()
    {
        NativeMemoryCollection.Settle();
        long before = Torch.LiveTensorCount;
        using (TensorScope.Enter())
        {
            var t = Tensor.Zeros([1]);
            t.Dispose();
        }
        Assert.Equal(before, Torch.LiveTensorCount);
    }

    [Fact]
    public void ChunkAndSplit_Results_AreOwnedByTheScope()
    {
        using var t = Tensor.FromArray([0f, 1f, 2f, 3f, 4f, 5f, 6f, 7f], 8);
        NativeMemoryCollection.Settle();
        long before = Torch.LiveTensorCount;
        using (TensorScope.Enter())
        {
            _ = t.Chunk(4);
            _ = t.Split([1L, 7L]);
            Assert.Equal(before + 6, Torch.LiveTensorCount);
        }
        Assert.Equal(before, Torch.LiveTensorCount);
    }
}
