using Diffusion.Testing;

namespace Diffusion.Torch.Tests;

public class NnOpsTests
{
    [Theory]
    [InlineData(1, 1, 1, 1)]   // 3x3 "same" conv (resnet conv1/conv2)
    [InlineData(2, 1, 1, 1)]   // stride-2 downsample
    [InlineData(1, 0, 1, 2)]   // grouped, no padding
    [InlineData(1, 2, 2, 1)]   // dilated
    public void Conv2d_MatchesManagedConvolution(int stride, int padding, int dilation, int groups)
    {
        int n = 2, cin = 4, h = 7, w = 6, cout = 6, k = 3;
        var x = ManagedReference.Random(n * cin * h * w, 1);
        var weight = ManagedReference.Random(cout * (cin / groups) * k * k, 2, 0.3);
        var bias = ManagedReference.Random(cout, 3);
        var expected = ManagedReference.Conv2d(x, n, cin, h, w, weight, cout, k, k, bias, stride, stride, padding, padding, dilation, dilation, groups, out int oh, out int ow);
        using var tx = Tensor.FromArray(x, n, cin, h, w);
        using var tw = Tensor.FromArray(weight, cout, cin / groups, k, k);
        using var tb = Tensor.FromArray(bias, cout);

        using var y = tx.Conv2d(tw, tb, stride, padding, dilation, groups);

        Assert.Equal([(long)n, cout, oh, ow], y.Shape);
        Comparison.AssertClose(expected, y.ToArray<float>(), 1e-5, "conv2d");
    }

    [Fact]
    public void Conv2d_ChannelsLastInput_GivesSameValues()
    {
        var x = ManagedReference.Random(1 * 4 * 5 * 5, 4);
        var weight = ManagedReference.Random(8 * 4 * 3 * 3, 5, 0.3);
        using var tx = Tensor.FromArray(x, 1, 4, 5, 5);
        using var cl = tx.Contiguous(MemoryFormat.ChannelsLast);
        using var tw = Tensor.FromArray(weight, 8, 4, 3, 3);

        using var a = tx.Conv2d(tw, padding: 1);
        using var b = cl.Conv2d(tw, padding: 1);

        Comparison.AssertClose(a.ToArray<float>(), b.ToArray<float>(), 1e-5, "channels_last conv");
    }

    [Fact]
    public void Conv2d_ChannelMismatch_ThrowsTorchExceptionWithLibtorchMessage()
    {
        using var x = Tensor.Zeros([1, 3, 4, 4]);
        using var w = Tensor.Zeros([8, 4, 3, 3]);

        var e = Assert.Throws<TorchException>(() => x.Conv2d(w));

        Assert.Equal(TorchErrorKind.Torch, e.Kind);
        Assert.Contains("expected input[1, 3, 4, 4] to have 4 channels", e.Message);
        Assert.DoesNotContain("frame #", e.Message); // no C++ backtrace
    }

    [Fact]
    public void Linear_MatchesManagedMatrixProduct()
    {
        var x = ManagedReference.Random(2 * 3 * 5, 6);
        var w = ManagedReference.Random(4 * 5, 7);
        var b = ManagedReference.Random(4, 8);
        using var tx = Tensor.FromArray(x, 2, 3, 5);
        using var tw = Tensor.FromArray(w, 4, 5);
        using var tb = Tensor.FromArray(b, 4);

        using var y = tx.Linear(tw, tb);
        using var noBias = tx.Linear(tw);

        Assert.Equal([2L, 3L, 4L], y.Shape);
        Comparison.AssertClose(ManagedReference.Linear(x, 6, 5, w, 4, b), y.ToArray<float>(), 1e-5, "linear");
        Comparison.AssertClose(ManagedReference.Linear(x, 6, 5, w, 4, null), noBias.ToArray<float>(), 1e-5, "linear without bias");
    }

    [Fact]
    public void GroupNorm_MatchesManagedNormalization()
    {
        int n = 2, c = 8, s = 3 * 4;
        var x = ManagedReference.Random(n * c * s, 9, 3);
        var weight = ManagedReference.Random(c, 10);
        var bias = ManagedReference.Random(c, 11);
        using var tx = Tensor.FromArray(x, n, c, 3, 4);
        using var tw = Tensor.FromArray(weight, c);
        using var tb = Tensor.FromArray(bias, c);

        using var y = tx.GroupNorm(4, tw, tb, 1e-6);

        Comparison.AssertClose(ManagedReference.GroupNorm(x, n, c, s, 4, weight, bias, 1e-6), y.ToArray<float>(), 2e-5, "group_norm");
    }

    [Fact]
    public void LayerNorm_MatchesManagedNormalization()
    {
        var x = ManagedReference.Random(6 * 10, 12, 2);
        var weight = ManagedReference.Random(10, 13);
        var bias = ManagedReference.Random(10, 14);
        using var tx = Tensor.FromArray(x, 2, 3, 10);
        using var tw = Tensor.FromArray(weight, 10);
        using var tb = Tensor.FromArray(bias, 10);

        using var y = tx.LayerNorm([10], tw, tb);

        Comparison.AssertClose(ManagedReference.LayerNorm(x, 6, 10, weight, bias, 1e-5), y.ToArray<float>(), 2e-5, "layer_norm");
    }

    [Fact]
    public void Activations_MatchTheirDefinitions()
    {
        var x = ManagedReference.Random(100, 15, 4);
        using var tx = Tensor.FromArray(x, 100);
        using var scope = TensorScope.Enter();
        static double Sigmoid(double v) => 1 / (1 + Math.Exp(-v));

        Check(x, v => v * Sigmoid(v), tx.Silu(), "silu");
        Check(x, v => 0.5 * v * (1 + ManagedReference.Erf(v / Math.Sqrt(2))), tx.Gelu(), "gelu");
        Check(x, v => 0.5 * v * (1 + Math.Tanh(Math.Sqrt(2 / Math.PI) * (v + 0.044715 * v * v * v))), tx.Gelu(tanhApproximation: true), "gelu tanh");
        Check(x, v => v * Sigmoid(1.702 * v), tx.QuickGelu(), "quick_gelu");
        Check(x, v => Math.Max(v, 0), tx.Relu(), "relu");
        var inPlace = tx.Clone();
        Assert.Same(inPlace, inPlace.SiluInPlace());
        Check(x, v => v * Sigmoid(v), inPlace, "silu_");
    }

    private static void Check(float[] input, Func<double, double> f, Tensor actual, string what) =>
        Comparison.AssertClose(input.Select(v => (float)f(v)).ToArray(), actual.ToArray<float>(), 2e-6, what);

    [Fact]
    public void SoftmaxLogSoftmax_MatchManagedLoops()
    {
        var x = ManagedReference.Random(4 * 7, 16, 5);
        using var tx = Tensor.FromArray(x, 4, 7);
        using var s = tx.Softmax(-1);
        using var ls = tx.LogSoftmax(1);

        var expected = ManagedReference.Softmax(x, 4, 7);
        Comparison.AssertClose(expected, s.ToArray<float>(), 1e-6, "softmax");
        Comparison.AssertClose(expected.Select(v => MathF.Log(v)).ToArray(), ls.ToArray<float>(), 1e-5, "log_softmax");
    }

    [Fact]
    public void InterpolateNearest_ScaleTwoAndSize_RepeatPixels()
    {
        using var x = Tensor.FromArray([1f, 2f, 3f, 4f], 1, 1, 2, 2);
        using var up = x.InterpolateNearest(2.0);
        using var sized = x.InterpolateNearest(3, 4);

        Assert.Equal([1L, 1L, 4L, 4L], up.Shape);
        Assert.Equal([1f, 1f, 2f, 2f, 1f, 1f, 2f, 2f, 3f, 3f, 4f, 4f, 3f, 3f, 4f, 4f], up.ToArray<float>());
        // torch nearest: src = floor(dst * in / out): rows 0,0,1; cols 0,0,1,1
        Assert.Equal([1f, 1f, 2f, 2f, 1f, 1f, 2f, 2f, 3f, 3f, 4f, 4f], sized.ToArray<float>());
    }

    [Fact]
    public void Pad_ConstantRightBottom_LikeVaeDownsample()
    {
        using var x = Tensor.FromArray([1f, 2f, 3f, 4f], 1, 1, 2, 2);
        using var padded = x.Pad([0, 1, 0, 1], value: 0);

        Assert.Equal([1L, 1L, 3L, 3L], padded.Shape);
        Assert.Equal([1f, 2f, 0f, 3f, 4f, 0f, 0f, 0f, 0f], padded.ToArray<float>());
    }

    [Fact]
    public void AvgPool2d_AveragesWindows()
    {
        using var x = Tensor.FromArray([1f, 2f, 3f, 4f], 1, 1, 2, 2);
        using var y = x.AvgPool2d(2);
        Assert.Equal([2.5f], y.ToArray<float>());
    }

    [Fact]
    public void Embedding_PicksRows()
    {
        using var weight = Tensor.FromArray([0f, 0f, 1f, 1f, 2f, 2f], 3, 2);
        using var ids = Tensor.FromArray([2L, 0L, 2L], 1, 3);
        using var y = Tensor.Embedding(weight, ids);

        Assert.Equal([1L, 3L, 2L], y.Shape);
        Assert.Equal([2f, 2f, 0f, 0f, 2f, 2f], y.ToArray<float>());
    }

    [Fact]
    public void MatMulBmmBaddbmm_MatchManagedProducts()
    {
        int b = 2, n = 3, m = 4, p = 5;
        var a = ManagedReference.Random(b * n * m, 17);
        var c = ManagedReference.Random(b * m * p, 18);
        var input = ManagedReference.Random(b * n * p, 19);
        var expected = new float[b * n * p];
        for (int z = 0; z < b; z++)
        for (int i = 0; i < n; i++)
        for (int j = 0; j < p; j++)
        {
            double acc = 0;
            for (int k = 0; k < m; k++) acc += (double)a[(z * n + i) * m + k] * c[(z * m + k) * p + j];
            expected[(z * n + i) * p + j] = (float)acc;
        }
        using var ta = Tensor.FromArray(a, b, n, m);
        using var tc = Tensor.FromArray(c, b, m, p);
        using var ti = Tensor.FromArray(input, b, n, p);
        using var scope = TensorScope.Enter();

        Comparison.AssertClose(expected, ta.Bmm(tc).ToArray<float>(), 1e-5, "bmm");
        Comparison.AssertClose(expected, ta.MatMul(tc).ToArray<float>(), 1e-5, "matmul");
        Comparison.AssertClose(expected.Zip(input, (e, i) => 0.5f * i + 2 * e).ToArray(), ti.Baddbmm(ta, tc, beta: 0.5, alpha: 2).ToArray<float>(), 1e-5, "baddbmm");
    }
}
