using System.Text.Json;
using Diffusion.Testing;

namespace Diffusion.Torch.Tests;

public class RandomTests
{
    public static IEnumerable<object[]> GoldenCases()
    {
        using var doc = JsonDocument.Parse(File.ReadAllBytes(TestPaths.ReferenceFile("randn.json")));
        int i = 0;
        foreach (var _ in doc.RootElement.GetProperty("cases").EnumerateArray())
            yield return [i++];
    }

    [Theory]
    [MemberData(nameof(GoldenCases))]
    public void Randn_GoldenSeedAndShape_MatchesTorchExactly(int caseIndex)
    {
        using var doc = JsonDocument.Parse(File.ReadAllBytes(TestPaths.ReferenceFile("randn.json")));
        var c = doc.RootElement.GetProperty("cases")[caseIndex];
        ulong seed = c.GetProperty("seed").GetUInt64();
        long[] shape = c.GetProperty("shape").EnumerateArray().Select(e => e.GetInt64()).ToArray();
        float[] head = c.GetProperty("values_head").EnumerateArray().Select(e => (float)e.GetDouble()).ToArray();
        double sum = c.GetProperty("sum").GetDouble(), sumAbs = c.GetProperty("sum_abs").GetDouble();

        using var t = Torch.Randn(shape, seed);
        var values = t.ToArray<float>();

        Assert.Equal(shape, t.Shape);
        Assert.Equal(head, values.Take(head.Length)); // bit-exact: float32 -> double -> float32 round-trips
        Assert.Equal(sum, values.Sum(v => (double)v), 1e-6 * Math.Max(1, sumAbs));
        Assert.Equal(sumAbs, values.Sum(v => Math.Abs((double)v)), 1e-6 * Math.Max(1, sumAbs));
    }

    // Values from `g = torch.Generator("cpu").manual_seed(42); torch.randn(3, generator=g);
    // torch.randn(17, generator=g); torch.randn(2, 3, generator=g)` (torch 1.13.1, Debian).
    [Fact]
    public void GeneratorRandn_SequentialDraws_ContinueTheTorchStream()
    {
        using var g = new Generator(42);

        using var a = g.Randn([3]);
        using var b = g.Randn([17]);
        using var c = g.Randn([2, 3]);

        Assert.Equal([0.33669036626815796f, 0.12880940735340118f, 0.23446236550807953f], a.ToArray<float>());
        var bv = b.ToArray<float>();
        Assert.Equal([1.7877893447875977f, -0.6866229772567749f, -0.4933563470840454f, 0.2414877861738205f], bv[..4]);
        Assert.Equal([0.3308984339237213f, -1.5575724840164185f], bv[^2..]);
        Assert.Equal([0.23033303022384644f, 1.1214427947998047f, -0.6605371832847595f, -0.013054872862994671f, 1.5859748125076294f, -1.018611192703247f], c.ToArray<float>());
        Assert.Equal(42UL, g.Seed);
    }

    // torch.rand(4, generator=g), then torch.empty(5).normal_(2, 0.5, generator=g), then
    // torch.empty(3).uniform_(-1, 1, generator=g) with g seeded 5.
    [Fact]
    public void GeneratorRandNormalUniform_MatchTorchStream()
    {
        using var g = new Generator(5);
        using var normal = Tensor.Empty([5]);
        using var uniform = Tensor.Empty([3]);

        using var rand = g.Rand([4]);
        g.NormalInPlace(normal, 2, 0.5);
        g.UniformInPlace(uniform, -1, 1);

        Assert.Equal([0.8302518725395203f, 0.12611091136932373f, 0.9074696898460388f, 0.8199270367622375f], rand.ToArray<float>());
        Assert.Equal([1.7209519147872925f, 2.3337621688842773f, 1.9012924432754517f, 2.9713916778564453f, 1.2991490364074707f], normal.ToArray<float>());
        Assert.Equal([0.9618538618087769f, 0.30031728744506836f, -0.8867322206497192f], uniform.ToArray<float>());
    }

    // torch.randn(20, generator=torch.Generator().manual_seed(9), dtype=torch.float16)[:5]: a float16
    // draw is not the float32 draw rounded (diffusers passes the dtype straight to torch.randn).
    [Fact]
    public void GeneratorRandn_Float16_MatchesTorchFloat16Draw()
    {
        using var g = new Generator(9);
        using var t = g.Randn([20], ScalarType.Float16);

        Assert.Equal(ScalarType.Float16, t.Dtype);
        Assert.Equal([(Half)(-0.595703125f), (Half)(-0.12109375f), (Half)0.059478759765625f, (Half)0.1728515625f, (Half)(-0.91845703125f)], t.ToArray<Half>()[..5]);
    }

    [Fact]
    public void ManualSeed_RestartsTheStream()
    {
        using var g = new Generator(1);
        using var first = g.Randn([8]);
        g.ManualSeed(1);
        using var again = g.Randn([8]);

        Assert.Equal(first.ToArray<float>(), again.ToArray<float>());
    }

    [Fact]
    public void Randn_MaxSeed_IsAccepted()
    {
        // torch.randn(3, generator=torch.Generator().manual_seed(2**64 - 1))
        using var t = Torch.Randn([3], ulong.MaxValue);
        Assert.Equal([1.2197630405426025f, -0.3929794728755951f, 1.0230751037597656f], t.ToArray<float>());
    }

    [CudaFact]
    public void Randn_OnCuda_EqualsCpuDrawMoved()
    {
        using var cpu = Torch.Randn([1, 4, 8, 8], 0);
        using var gpu = Torch.Randn([1, 4, 8, 8], 0, device: Device.Cuda(0));

        Assert.Equal(Device.Cuda(0), gpu.Device);
        Assert.Equal(cpu.ToArray<float>(), gpu.ToArray<float>());
    }
}
