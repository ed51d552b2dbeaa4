using Diffusion.Contracts;
using Diffusion.Gateway.Generation;

namespace Diffusion.Gateway.Tests.Unit;

public sealed class TensorBatchTests
{
    [Fact]
    public void Slice_Rows_CopiesThoseRowsOnly()
    {
        var tensor = Tensors.FromFloats([1, 2, 3, 4, 5, 6], 3, 2);

        var slice = TensorBatch.Slice(tensor, 1, 2);

        Assert.Equal([2L, 2], slice.Shape);
        Assert.Equal([3f, 4, 5, 6], Tensors.ToFloats(slice));
    }

    [Fact]
    public void Repeat_Batch_ConcatenatesCopies()
    {
        var tensor = Tensors.FromFloats([1, 2], 1, 2);

        var repeated = TensorBatch.Repeat(tensor, 3);

        Assert.Equal([3L, 2], repeated.Shape);
        Assert.Equal([1f, 2, 1, 2, 1, 2], Tensors.ToFloats(repeated));
    }

    [Fact]
    public void Check_WrongShapeOrBytes_SaysWhat()
    {
        var tensor = Tensors.FromFloats(new float[8], 2, 4);

        Assert.Null(TensorBatch.Check(tensor, "x", 2, -1));
        Assert.Equal("x has shape [2, 4], expected [3, *]", TensorBatch.Check(tensor, "x", 3, -1));
        Assert.Contains("rank 2", TensorBatch.Check(tensor, "x", 2, 4, 1), StringComparison.Ordinal);
        Assert.Contains("is required but missing", TensorBatch.Check(null, "x", 1), StringComparison.Ordinal);
    }
}
