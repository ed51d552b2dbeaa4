using Diffusion.Torch.Nn;

namespace Diffusion.Torch.Tests;

public class ModuleTests
{
    // Mirrors a slice of diffusers' layout: down_blocks.N.resnets.M.{norm1,conv1}, conv_in.
    private sealed class Resnet : Module
    {
        public Resnet(long channels)
        {
            RegisterModule("norm1", new GroupNorm(2, channels));
            RegisterModule("conv1", new Conv2d(channels, channels, 3, padding: 1));
        }
    }

    private sealed class DownBlock : Module
    {
        public DownBlock(long channels) => RegisterModule("resnets", new ModuleList<Resnet>([new Resnet(channels), new Resnet(channels)]));
    }

    private sealed class Tiny : Module
    {
        public Tiny()
        {
            RegisterModule("conv_in", new Conv2d(4, 8, 3, padding: 1));
            RegisterModule("down_blocks", new ModuleList<DownBlock>([new DownBlock(8)]));
            RegisterModule("proj", new Linear(8, 2, bias: false));
            RegisterBuffer("position_ids", Tensor.Arange(4), persistent: false);
            RegisterBuffer("scale", Tensor.Ones([1]));
        }
    }

    [Fact]
    public void NamedParameters_UseDiffusersDottedKeysInRegistrationOrder()
    {
        using var m = new Tiny();

        var names = m.NamedParameters().Select(p => p.Name).ToList();

        Assert.Equal(
        [
            "conv_in.weight", "conv_in.bias",
            "down_blocks.0.resnets.0.norm1.weight", "down_blocks.0.resnets.0.norm1.bias",
            "down_blocks.0.resnets.0.conv1.weight", "down_blocks.0.resnets.0.conv1.bias",
            "down_blocks.0.resnets.1.norm1.weight", "down_blocks.0.resnets.1.norm1.bias",
            "down_blocks.0.resnets.1.conv1.weight", "down_blocks.0.resnets.1.conv1.bias",
            "proj.weight",
        ], names);
        Assert.Equal(["position_ids", "scale"], m.NamedBuffers().Select(b => b.Name));
        // PyTorch's state_dict order: own parameters and persistent buffers, then children's.
        Assert.Equal(["scale", .. names], m.StateDict().Select(p => p.Key));
        Assert.Equal(8 * 4 * 9 + 8 + 2 * (8 + 8 + 8 * 8 * 9 + 8) + 16, m.ParameterCount);
    }

    [Fact]
    public void LoadStateDict_CompleteSource_LoadsValuesIntoModuleDtype()
    {
        using var source = new Tiny();
        using (var g = new Generator(3)) Init.RandomizeParameters(source, g);
        using var target = new Tiny();
        target.To(ScalarType.Float16);

        var report = target.LoadStateDict(new TensorDictionarySource(source.StateDict()));

        Assert.True(report.IsComplete, report.ToString());
        Assert.Equal(12, report.LoadedCount);
        var expected = source.StateDict().ToDictionary(p => p.Key, p => p.Value);
        foreach (var (key, tensor) in target.StateDict())
        {
            Assert.Equal(ScalarType.Float16, tensor.Dtype);
            Diffusion.Testing.Comparison.AssertClose(expected[key].ToFloatArray(), tensor.ToFloatArray(), 2e-3, key);
        }
    }

    [Fact]
    public void LoadStateDict_Strict_ListsEveryMissingUnexpectedAndMismatchedKey()
    {
        using var m = new Tiny();
        using var wrongShape = Tensor.Zeros([8, 4, 5, 5]);
        using var extra = Tensor.Zeros([1]);
        var tensors = m.StateDict().Where(p => p.Key != "proj.weight" && p.Key != "conv_in.weight").ToDictionary(p => p.Key, p => p.Value);
        tensors["conv_in.weight"] = wrongShape;
        tensors["text_model.unused"] = extra;
        using var before = m.StateDict().Single(p => p.Key == "conv_in.bias").Value.Clone();

        var e = Assert.Throws<StateDictLoadException>(() => m.LoadStateDict(new TensorDictionarySource(tensors)));

        Assert.Equal(["proj.weight"], e.Report.MissingKeys);
        Assert.Equal(["text_model.unused"], e.Report.UnexpectedKeys);
        var mismatch = Assert.Single(e.Report.ShapeMismatches);
        Assert.Equal("conv_in.weight", mismatch.Key);
        Assert.Equal([8L, 4L, 3L, 3L], mismatch.Expected);
        Assert.Equal([8L, 4L, 5L, 5L], mismatch.Actual);
        Assert.Contains("missing: proj.weight", e.Message);
        Assert.Contains("unexpected: text_model.unused", e.Message);
        Assert.Contains("conv_in.weight: expected [8, 4, 3, 3], found [8, 4, 5, 5]", e.Message);
        Assert.Equal(before.ToArray<float>(), m.StateDict().Single(p => p.Key == "conv_in.bias").Value.ToArray<float>());
    }

    [Fact]
    public void LoadStateDict_NotStrict_LoadsMatchingKeysAndReports()
    {
        using var m = new Tiny();
        using var bias = Tensor.Full([8], 0.5);
        var tensors = new Dictionary<string, Tensor> { ["conv_in.bias"] = bias };

        var report = m.LoadStateDict(new TensorDictionarySource(tensors), strict: false);

        Assert.Equal(1, report.LoadedCount);
        Assert.Equal(11, report.MissingKeys.Count);
        Assert.Empty(report.UnexpectedKeys);
        Assert.Equal(Enumerable.Repeat(0.5f, 8), m.StateDict().Single(p => p.Key == "conv_in.bias").Value.ToArray<float>());
    }

    [Fact]
    public void LoadStateDict_IgnoredUnexpectedKey_IsNotReported()
    {
        using var source = new Tiny();
        using var legacy = Tensor.Arange(4);
        var tensors = source.StateDict().ToDictionary(p => p.Key, p => p.Value);
        tensors["text_model.embeddings.position_ids"] = legacy;
        using var target = new Tiny();

        var report = target.LoadStateDict(new TensorDictionarySource(tensors), ignoreUnexpected: k => k.EndsWith("position_ids", StringComparison.Ordinal));

        Assert.True(report.IsComplete, report.ToString());
    }

    [Fact]
    public void To_Dtype_ConvertsFloatingTensorsOnly()
    {
        using var m = new Tiny();

        m.To(Device.Cpu, ScalarType.BFloat16);

        Assert.All(m.NamedParameters(), p => Assert.Equal(ScalarType.BFloat16, p.Tensor.Dtype));
        Assert.Equal(ScalarType.Int64, m.NamedBuffers().Single(b => b.Name == "position_ids").Tensor.Dtype);
    }

    [Fact]
    public void Layers_HavePyTorchParameterShapes()
    {
        using var linear = new Linear(3, 5);
        using var conv = new Conv2d(4, 6, 3, groups: 2, bias: false);
        using var norm = new GroupNorm(2, 6);
        using var ln = new LayerNorm(7);
        using var emb = new Embedding(10, 4);

        Assert.Equal([5L, 3L], linear.Weight.Shape);
        Assert.Equal([5L], linear.Bias!.Shape);
        Assert.Equal([6L, 2L, 3L, 3L], conv.Weight.Shape);
        Assert.Null(conv.Bias);
        Assert.Equal(Enumerable.Repeat(1f, 6), norm.Weight!.ToArray<float>());
        Assert.Equal([7L], ln.Bias!.Shape);
        Assert.Equal([10L, 4L], emb.Weight.Shape);
        Assert.Throws<ArgumentException>(() => new GroupNorm(4, 6));
    }

    [Fact]
    public void LayerForwards_MatchFunctionalOps()
    {
        using var g = new Generator(7);
        using var linear = new Linear(3, 2);
        using var emb = new Embedding(5, 3);
        Init.RandomizeParameters(linear, g);
        Init.RandomizeParameters(emb, g);
        using var ids = Tensor.FromArray([4L, 1L], 2);
        using var scope = TensorScope.Enter();

        var e = emb.Forward(ids);
        var y = linear.Forward(e);

        Assert.Equal([2L, 3L], e.Shape);
        Assert.Equal(e.Linear(linear.Weight, linear.Bias).ToArray<float>(), y.ToArray<float>());
    }

    [Fact]
    public void RegisterParameter_TakesTensorOutOfTheScope()
    {
        Linear linear;
        using (TensorScope.Enter())
            linear = new Linear(2, 2);

        Assert.False(linear.Weight.IsDisposed);
        linear.Dispose();
    }

    [Fact]
    public void Dispose_FreesParametersOfAllDescendants()
    {
        var m = new Tiny();
        var tensors = m.StateDict().Select(p => p.Value).ToList();

        m.Dispose();

        Assert.All(tensors, t => Assert.True(t.IsDisposed));
    }

    [Fact]
    public void RandomizeParameters_IsDeterministicPerSeed()
    {
        using var a = new Tiny();
        using var b = new Tiny();
        using (var g = new Generator(11)) Init.RandomizeParameters(a, g);
        using (var g = new Generator(11)) Init.RandomizeParameters(b, g);

        Assert.All(a.StateDict().Zip(b.StateDict()), p => Assert.Equal(p.First.Value.ToArray<float>(), p.Second.Value.ToArray<float>()));
        var norm = a.StateDict().Single(p => p.Key == "down_blocks.0.resnets.0.norm1.weight").Value.ToArray<float>();
        Assert.All(norm, v => Assert.InRange(v, 0.5f, 1.5f));
    }
}
