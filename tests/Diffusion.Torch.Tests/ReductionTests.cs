using Diffusion.Testing;

namespace Diffusion.Torch.Tests;

public class ReductionTests
{
    private static readonly float[] Data = ManagedReference.Random(2 * 3 * 4, 11);

    private static float At(int i, int j, int k) => Data[(i * 3 + j) * 4 + k];

    [Fact]
    public void SumAndMean_OverDims_MatchManagedLoops()
    {
        using var t = Tensor.FromArray(Data, 2, 3, 4);
        using var scope = TensorScope.Enter();

        var sum1 = new float[2 * 4];
        for (int i = 0; i < 2; i++) for (int k = 0; k < 4; k++) for (int j = 0; j < 3; j++) sum1[i * 4 + k] += At(i, j, k);
        var all = Data.Sum();

        var s = t.Sum(1);
        Assert.Equal([2L, 4L], s.Shape);
        Comparison.AssertClose(sum1, s.ToArray<float>(), 1e-5, "sum dim 1");
        Assert.Equal([2L, 1L, 4L], t.Sum([1], keepDim: true).Shape);
        Assert.Equal(all, (float)t.Sum().Item(), 4);
        Assert.Equal(all / Data.Length, (float)t.Mean().Item(), 5);
        Assert.Equal([1L, 1L, 1L], t.Mean(keepDim: true).Shape);
        Comparison.AssertClose(sum1.Select(v => v / 3).ToArray(), t.Mean(-2).ToArray<float>(), 1e-6, "mean dim -2");
    }

    [Fact]
    public void Var_Unbiased_MatchesManagedFormula()
    {
        using var t = Tensor.FromArray(Data, 24);
        double mean = Data.Average(v => (double)v);
        double ss = Data.Sum(v => (v - mean) * (v - mean));
        using var unbiased = t.Var();
        using var biased = t.Var(unbiased: false);

        Assert.Equal(ss / 23, unbiased.Item(), 5);
        Assert.Equal(ss / 24, biased.Item(), 5);
    }

    [Fact]
    public void MaxArgMaxAmaxAmin_MatchManagedLoops()
    {
        using var t = Tensor.FromArray(Data, 2, 3, 4);
        using var scope = TensorScope.Enter();

        var (values, indices) = t.Max(2);
        var expectedValues = new float[6];
        var expectedIndices = new long[6];
        for (int r = 0; r < 6; r++)
        {
            var row = Data.AsSpan(r * 4, 4).ToArray();
            expectedValues[r] = row.Max();
            expectedIndices[r] = Array.IndexOf(row, row.Max());
        }

        Assert.Equal(expectedValues, values.ToArray<float>());
        Assert.Equal(expectedIndices, indices.ToArray<long>());
        Assert.Equal(expectedIndices, t.ArgMax(2).ToArray<long>());
        Assert.Equal(Array.IndexOf(Data, Data.Max()), (long)t.ArgMax().Item());
        Assert.Equal(Data.Max(), (float)t.Amax().Item());
        Assert.Equal(Data.Min(), (float)t.Amin().Item());
    }
}
