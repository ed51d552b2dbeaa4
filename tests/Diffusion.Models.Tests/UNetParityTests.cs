using Diffusion.Models.UNet;
using Diffusion.Testing;
using Diffusion.Torch;

namespace Diffusion.Models.Tests;

/// <summary>Parity of <see cref="UNet2DConditionModel"/> with diffusers 0.27.2 on the shared tiny UNet
/// (golden file unet.safetensors).</summary>
public sealed class UNetParityTests
{
    private const double Tolerance = 1e-4;

    private static string UNetDir => TestPaths.ReferenceFile("tiny_sd", "unet");

    private static SafetensorsFile Golden() => new(TestPaths.ReferenceFile("unet.safetensors"));

    private static float[] Floats(Tensor t)
    {
        using var f = t.To(ScalarType.Float32).DetachFromScope();
        return f.ToFloatArray();
    }

    private static Tensor Input(SafetensorsFile golden, string key) => Tensor.FromArray(golden.Floats(key), golden.Shape(key));

    [Fact]
    public void Forward_PerSampleTimesteps_MatchesDiffusersAndIntermediates()
    {
        var golden = Golden();
        using var model = UNet2DConditionModel.Load(UNetDir);
        using var scope = TensorScope.Enter();
        var seen = new List<string>();
        var output = model.Forward(Input(golden, "sample"), Tensor.FromArray(golden.Longs("timesteps"), golden.Shape("timesteps")),
            Input(golden, "encoder_hidden_states"), (name, tensor) =>
            {
                var key = "intermediate." + name;
                Assert.True(golden.Contains(key), $"no golden for {key}");
                Assert.Equal(golden.Shape(key), tensor.Shape);
                Comparison.AssertClose(golden.Floats(key), Floats(tensor), Tolerance, key);
                seen.Add(name);
            });
        Comparison.AssertClose(golden.Floats("out_timesteps"), Floats(output), Tolerance, "out_timesteps");
        var expectedProbes = golden.Entries.Keys.Where(k => k.StartsWith("intermediate.", StringComparison.Ordinal)).Count();
        Assert.Equal(expectedProbes, seen.Count);
    }

    [Fact]
    public void Forward_ScalarInt64Timestep_BroadcastsToBatch()
    {
        var golden = Golden();
        using var model = UNet2DConditionModel.Load(UNetDir);
        using var scope = TensorScope.Enter();
        var output = model.Forward(Input(golden, "sample"), Tensor.FromArray([250L], []), Input(golden, "encoder_hidden_states"));
        Comparison.AssertClose(golden.Floats("out_scalar_timestep"), Floats(output), Tolerance, "out_scalar_timestep");
    }

    [Fact]
    public void Forward_FractionalFloatTimestep_MatchesDiffusers()
    {
        var golden = Golden();
        using var model = UNet2DConditionModel.Load(UNetDir);
        using var scope = TensorScope.Enter();
        var output = model.Forward(Input(golden, "sample"), Tensor.Scalar(854.25), Input(golden, "encoder_hidden_states"));
        Comparison.AssertClose(golden.Floats("out_float_timestep"), Floats(output), Tolerance, "out_float_timestep");
    }

    [Fact]
    public void Forward_SingleSample_MatchesDiffusersBatchOfOne()
    {
        var golden = Golden();
        using var model = UNet2DConditionModel.Load(UNetDir);
        using var scope = TensorScope.Enter();
        var sample = Input(golden, "sample").Narrow(0, 0, 1);
        var context = Input(golden, "encoder_hidden_states").Narrow(0, 0, 1);
        var t = Tensor.FromArray(golden.Longs("timesteps"), golden.Shape("timesteps")).Narrow(0, 0, 1);
        var output = model.Forward(sample, t, context);
        Comparison.AssertClose(golden.Floats("out_batch1"), Floats(output), Tolerance, "out_batch1");
    }

    [Fact]
    public void Load_Fp16Variant_MatchesDiffusersWithUpcastFp16Weights()
    {
        var golden = Golden();
        var fp16Golden = new SafetensorsFile(TestPaths.ReferenceFile("unet_fp16_weights.safetensors"));
        using var model = UNet2DConditionModel.Load(UNetDir, variant: "fp16");
        using var scope = TensorScope.Enter();
        var output = model.Forward(Input(golden, "sample"), Tensor.FromArray(golden.Longs("timesteps"), golden.Shape("timesteps")),
            Input(golden, "encoder_hidden_states"));
        Comparison.AssertClose(fp16Golden.Floats("out_timesteps"), Floats(output), Tolerance, "fp16 out_timesteps");
        Assert.True(Comparison.MaxAbsDiff(golden.Floats("out_timesteps"), Floats(output)) > 0, "the fp16 file was not loaded");
    }
}
