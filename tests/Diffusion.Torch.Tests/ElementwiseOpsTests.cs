using Diffusion.Testing;

namespace Diffusion.Torch.Tests;

public class ElementwiseOpsTests
{
    [Fact]
    public void Add_Broadcasting_MatchesManagedLoop()
    {
        var a = ManagedReference.Random(2 * 3 * 4, 1);
        var b = ManagedReference.Random(3 * 1, 2);
        using var ta = Tensor.FromArray(a, 2, 3, 4);
        using var tb = Tensor.FromArray(b, 3, 1);

        using var sum = ta.Add(tb, alpha: 2);

        var expected = new float[a.Length];
        for (int i = 0; i < 2; i++)
        for (int j = 0; j < 3; j++)
        for (int k = 0; k < 4; k++)
            expected[(i * 3 + j) * 4 + k] = a[(i * 3 + j) * 4 + k] + 2 * b[j];
        Assert.Equal([2L, 3L, 4L], sum.Shape);
        Comparison.AssertClose(expected, sum.ToArray<float>(), 1e-6, "add");
    }

    [Fact]
    public void Operators_TensorAndScalar_MatchManagedArithmetic()
    {
        float[] a = [1, -2, 3.5f, 4];
        float[] b = [2, 4, -0.5f, 8];
        using var ta = Tensor.FromArray(a, 4);
        using var tb = Tensor.FromArray(b, 4);
        using var scope = TensorScope.Enter();

        Assert.Equal(a.Zip(b, (x, y) => x + y), (ta + tb).ToArray<float>());
        Assert.Equal(a.Zip(b, (x, y) => x - y), (ta - tb).ToArray<float>());
        Assert.Equal(a.Zip(b, (x, y) => x * y), (ta * tb).ToArray<float>());
        Assert.Equal(a.Zip(b, (x, y) => x / y), (ta / tb).ToArray<float>());
        Assert.Equal(a.Select(x => x + 1), (ta + 1).ToArray<float>());
        Assert.Equal(a.Select(x => 1 + x), (1 + ta).ToArray<float>());
        Assert.Equal(a.Select(x => x - 1), (ta - 1).ToArray<float>());
        Assert.Equal(a.Select(x => 10 - x), (10 - ta).ToArray<float>());
        Assert.Equal(a.Select(x => x * 3), (ta * 3).ToArray<float>());
        Assert.Equal(a.Select(x => 3 * x), (3 * ta).ToArray<float>());
        Assert.Equal(a.Select(x => x / 4), (ta / 4).ToArray<float>());
        Assert.Equal(a.Select(x => 2 / x), (2 / ta).ToArray<float>());
        Assert.Equal(a.Select(x => -x), (-ta).ToArray<float>());
        Assert.Equal(a.Select(x => x * x), ta.Pow(2).ToArray<float>());
        Assert.Equal(a.Zip(b, Math.Max), ta.Maximum(tb).ToArray<float>());
        Assert.Equal(a.Zip(b, Math.Min), ta.Minimum(tb).ToArray<float>());
    }

    [Fact]
    public void RDiv_IntegerTensor_PromotesToFloat()
    {
        using var t = Tensor.FromArray([1L, 2L, 4L], 3);
        using var r = t.RDiv(1);

        Assert.Equal(ScalarType.Float32, r.Dtype);
        Assert.Equal([1f, 0.5f, 0.25f], r.ToArray<float>());
    }

    [Fact]
    public void UnaryMath_MatchesSystemMath()
    {
        var x = ManagedReference.Random(64, 3, 3);
        var positive = x.Select(v => Math.Abs(v) + 0.1f).ToArray();
        using var tx = Tensor.FromArray(x, 64);
        using var tp = Tensor.FromArray(positive, 64);
        using var scope = TensorScope.Enter();

        Check(x, v => -v, tx.Neg(), "neg");
        Check(x, Math.Abs, tx.Abs(), "abs");
        Check(x, Math.Exp, tx.Exp(), "exp");
        Check(positive, Math.Log, tp.Log(), "log");
        Check(positive, Math.Sqrt, tp.Sqrt(), "sqrt");
        Check(positive, v => 1 / Math.Sqrt(v), tp.Rsqrt(), "rsqrt");
        Check(x, Math.Sin, tx.Sin(), "sin");
        Check(x, Math.Cos, tx.Cos(), "cos");
        Check(x, Math.Tanh, tx.Tanh(), "tanh");
        Check(x, v => 1 / (1 + Math.Exp(-v)), tx.Sigmoid(), "sigmoid");
        Check(x, ManagedReference.Erf, tx.Erf(), "erf");
        Check(x, Math.Floor, tx.Floor(), "floor");
        Check(x, v => Math.Round(v, MidpointRounding.ToEven), tx.Round(), "round");
    }

    private static void Check(float[] input, Func<double, double> f, Tensor actual, string what) =>
        Comparison.AssertClose(input.Select(v => (float)f(v)).ToArray(), actual.ToArray<float>(), 2e-6, what);

    [Fact]
    public void InPlaceOps_ModifyAndReturnSameTensor()
    {
        using var t = Tensor.FromArray([1f, 2f], 2);
        using var other = Tensor.FromArray([10f, 20f], 2);

        var r = t.AddInPlace(other).MulInPlace(2).SubInPlace(other, 0.5).DivInPlace(other).AddInPlace(1).MulInPlace(other).DivInPlace(2);

        Assert.Same(t, r);
        // ((1+10)*2 - 5) / 10 = 1.7 -> 2.7 * 10 / 2 = 13.5; ((2+20)*2 - 10) / 20 = 1.7 -> 2.7 * 20 / 2 = 27
        Comparison.AssertClose([13.5f, 27f], t.ToArray<float>(), 1e-5, "chain");
    }

    [Fact]
    public void AddInPlace_ShapeThatCannotBroadcastIntoSelf_Throws()
    {
        using var t = Tensor.Zeros([3]);
        using var other = Tensor.Zeros([2, 3]);

        Assert.Throws<TorchException>(() => t.AddInPlace(other));
    }

    [Fact]
    public void ComparisonsWhereMaskedFillClamp_MatchManagedLogic()
    {
        float[] a = [-2, -0.5f, 0, 0.5f, 2];
        using var t = Tensor.FromArray(a, 5);
        using var zero = Tensor.Zeros([5]);
        using var scope = TensorScope.Enter();

        Assert.Equal(a.Select(v => v > 0), t.Gt(0).ToArray<bool>());
        Assert.Equal(a.Select(v => v >= 0), t.Ge(0).ToArray<bool>());
        Assert.Equal(a.Select(v => v < 0), t.Lt(0).ToArray<bool>());
        Assert.Equal(a.Select(v => v <= 0), t.Le(0).ToArray<bool>());
        Assert.Equal(a.Select(v => v == 0), t.Eq(0).ToArray<bool>());
        Assert.Equal(a.Select(v => v != 0), t.Ne(zero).ToArray<bool>());
        Assert.Equal(a.Select(v => v > 0 ? v : 0f), Tensor.Where(t.Gt(zero), t, zero).ToArray<float>());
        Assert.Equal(a.Select(v => v < 0 ? -9f : v), t.MaskedFill(t.Lt(0), -9).ToArray<float>());
        Assert.Equal(a.Select(v => Math.Clamp(v, -1f, 1f)), t.Clamp(-1, 1).ToArray<float>());
        Assert.Equal(a.Select(v => Math.Max(v, 0f)), t.Clamp(min: 0).ToArray<float>());
        Assert.Equal(a.Select(v => !(v > 0)), t.Gt(0).LogicalNot().ToArray<bool>());
        Assert.Throws<ArgumentException>(() => t.Clamp());
    }
}
