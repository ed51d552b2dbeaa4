using Diffusion.Models.Adapters;
using Diffusion.Testing;
using Diffusion.Torch;

namespace Diffusion.Models.Tests;

/// <summary><see cref="TorchUNetModel"/> (the pipelines' batching interface) against the direct module forward.</summary>
public sealed class UNetAdapterTests
{
    private static string ModelDir => TestPaths.ReferenceFile("tiny_sd");

    private static float[] Floats(Tensor t)
    {
        using var f = t.To(ScalarType.Float32).DetachFromScope();
        return f.ToFloatArray();
    }

    [Fact]
    public void Predict_TwoConditioningsWithPerRowTimesteps_EqualsDirectForward()
    {
        var golden = new SafetensorsFile(TestPaths.ReferenceFile("unet.safetensors"));
        using var unet = TorchUNetModel.Load(ModelDir, Device.Cpu, ScalarType.Float32);
        Assert.Equal(4, unet.Info.InChannels);
        Assert.Equal(32, unet.Info.CrossAttentionDim);
        Assert.Equal("f32", unet.Info.DType);

        var sample = golden.Floats("sample");
        var shape = golden.Shape("sample");
        var context = golden.Floats("encoder_hidden_states");
        var half = context.Length / 2;
        using var first = unet.Upload(context.AsSpan(0, half), [1, 77, 32]);
        using var second = unet.Upload(context.AsSpan(half), [1, 77, 32]);
        var timesteps = golden.Longs("timesteps").Select(t => (float)t).ToArray();
        var output = new float[sample.Length];
        unet.Predict(sample, shape, timesteps, [first, second], output);

        using var scope = TensorScope.Enter();
        var direct = unet.Module.Forward(Tensor.FromArray(sample, shape), Tensor.FromArray(golden.Longs("timesteps"), [2]),
            Tensor.FromArray(context, golden.Shape("encoder_hidden_states")));
        Comparison.AssertClose(Floats(direct), output, 1e-6, "adapter vs direct");
        Comparison.AssertClose(golden.Floats("out_timesteps"), output, 1e-4, "adapter vs diffusers");
    }

    [Fact]
    public void Predict_ConditioningsOfDifferentLengths_RunsEachGroupLikeItsOwnForward()
    {
        var golden = new SafetensorsFile(TestPaths.ReferenceFile("unet.safetensors"));
        using var unet = TorchUNetModel.Load(ModelDir, Device.Cpu, ScalarType.Float32);
        var sample = golden.Floats("sample");
        var context = golden.Floats("encoder_hidden_states");
        var half = context.Length / 2;
        // Row 0: a 77-token conditioning; row 1: a 154-token one (two chunks of a long prompt).
        using var shortCond = unet.Upload(context.AsSpan(0, half), [1, 77, 32]);
        using var longCond = unet.Upload(context, [1, 154, 32]);
        var output = new float[sample.Length];
        unet.Predict(sample, golden.Shape("sample"), [999f, 500f], [shortCond, longCond], output);

        using var scope = TensorScope.Enter();
        var x = Tensor.FromArray(sample, golden.Shape("sample"));
        var row0 = unet.Module.Forward(x.Narrow(0, 0, 1), Tensor.FromArray([999f], 1), Tensor.FromArray(context.AsSpan(0, half).ToArray(), 1, 77, 32));
        var row1 = unet.Module.Forward(x.Narrow(0, 1, 1), Tensor.FromArray([500f], 1), Tensor.FromArray(context, 1, 154, 32));
        var per = output.Length / 2;
        Comparison.AssertClose(Floats(row0), output.AsSpan(0, per), 1e-6, "row 0");
        Comparison.AssertClose(Floats(row1), output.AsSpan(per), 1e-6, "row 1");
    }

    [Fact]
    public void Predict_RowCountMismatch_Throws()
    {
        using var unet = TorchUNetModel.Load(ModelDir, Device.Cpu, ScalarType.Float32);
        using var cond = unet.Upload(new float[77 * 32], [1, 77, 32]);
        var sample = new float[2 * 4 * 8 * 8];
        Assert.Throws<ArgumentException>(() => unet.Predict(sample, [2, 4, 8, 8], [1f, 2f], [cond], new float[sample.Length]));
    }

    [Fact]
    public async Task Predict_ConcurrentCalls_EqualSequentialResult()
    {
        var golden = new SafetensorsFile(TestPaths.ReferenceFile("unet.safetensors"));
        using var unet = TorchUNetModel.Load(ModelDir, Device.Cpu, ScalarType.Float32);
        var sample = golden.Floats("sample");
        var shape = golden.Shape("sample");
        using var cond = unet.Upload(golden.Floats("encoder_hidden_states"), golden.Shape("encoder_hidden_states"));
        float[] Run()
        {
            var output = new float[sample.Length];
            unet.Predict(sample, shape, [999f, 500f], [cond], output);
            return output;
        }
        var sequential = Run();
        var results = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(Run)));
        // Intra-op thread partitioning may differ under contention: equal up to float32 reduction order.
        foreach (var r in results) Comparison.AssertClose(sequential, r, 1e-6, "concurrent Predict");
    }
}
