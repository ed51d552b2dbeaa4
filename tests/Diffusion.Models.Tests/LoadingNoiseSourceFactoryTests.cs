using System.Text.Json;
using Diffusion.Models.Adapters;
using Diffusion.Testing;

namespace Diffusion.Models.Tests;

/// <summary><see cref="TorchNoiseSourceFactory"/> reproduces torch.randn with a seeded CPU generator.</summary>
public sealed class LoadingNoiseSourceFactoryTests
{
    [Fact]
    public void Create_ReferenceSeeds_MatchTorchRandn()
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(TestPaths.ReferenceFile("randn.json")));
        var factory = new TorchNoiseSourceFactory();
        var cases = 0;
        foreach (var c in doc.RootElement.GetProperty("cases").EnumerateArray())
        {
            var seed = c.GetProperty("seed").GetInt64();
            var shape = c.GetProperty("shape").EnumerateArray().Select(e => e.GetInt64()).ToArray();
            var head = c.GetProperty("values_head").EnumerateArray().Select(e => (float)e.GetDouble()).ToArray();
            var sum = c.GetProperty("sum").GetDouble();
            var values = new float[shape.Aggregate(1L, (a, b) => a * b)];
            var source = factory.Create(seed);
            source.Randn(values, shape);
            (source as IDisposable)?.Dispose();
            Comparison.AssertClose(head, values.AsSpan(0, head.Length), 0, $"seed {seed} head");
            Assert.Equal(sum, values.Sum(v => (double)v), 1e-3);
            cases++;
        }
        Assert.True(cases >= 5);
    }

    [Fact]
    public void Randn_SequentialDraws_AdvanceTheStreamReproducibly()
    {
        var factory = new TorchNoiseSourceFactory();
        var a = factory.Create(42);
        var b = factory.Create(42);
        var first = new float[64];
        var second = new float[64];
        a.Randn(first, [1, 4, 4, 4]);
        a.Randn(second, [1, 4, 4, 4]);
        Assert.NotEqual(first, second);
        var again = new float[128];
        b.Randn(again.AsSpan(0, 64), [1, 4, 4, 4]);
        b.Randn(again.AsSpan(64), [1, 4, 4, 4]);
        Assert.Equal([.. first, .. second], again);
    }

    [Fact]
    public void Randn_WrongDestinationLength_Throws()
    {
        var source = new TorchNoiseSourceFactory().Create(1);
        Assert.Throws<ArgumentException>(() => source.Randn(new float[10], [1, 4, 2, 2]));
    }
}
