using Diffusion.Models.TinyModels;
using Diffusion.Models.UNet;
using Diffusion.Testing;
using Diffusion.Torch;
using Diffusion.Torch.Nn;

namespace Diffusion.Models.Tests;

/// <summary>UNet options the tiny reference does not exercise: SD2's linear projections and per-block
/// head counts, random construction from a config, and reduced-precision runs.</summary>
public sealed class UNetVariantTests
{
    private static UNet2DConditionConfig Sd2Like(bool linear) => new()
    {
        InChannels = 4,
        OutChannels = 4,
        SampleSize = 8,
        DownBlockTypes = ["CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "DownBlock2D"],
        UpBlockTypes = ["UpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D"],
        BlockOutChannels = [32, 64, 64],
        LayersPerBlock = [1, 2, 1],
        TransformerLayersPerBlock = [1, 2, 1],
        NormNumGroups = 16,
        CrossAttentionDim = [24, 24, 24],
        NumAttentionHeads = [2, 4, 8],
        UseLinearProjection = linear,
    };

    private static float[] Floats(Tensor t)
    {
        using var f = t.To(ScalarType.Float32).DetachFromScope();
        return f.ToFloatArray();
    }

    [Fact]
    public void Forward_LinearProjection_EqualsConvProjectionWithSameWeights()
    {
        // proj_in/proj_out as Linear on tokens and as 1x1 conv on the image are the same map: a model with
        // linear projections must agree with a conv-projection model holding the reshaped weights.
        using var linear = UNet2DConditionModel.CreateRandom(Sd2Like(linear: true), 7);
        using var conv = new UNet2DConditionModel(Sd2Like(linear: false));
        using var scope = TensorScope.Enter();
        var weights = linear.StateDict().ToDictionary(kv => kv.Key, kv =>
            (kv.Key.Contains(".proj_in.weight", StringComparison.Ordinal) || kv.Key.Contains(".proj_out.weight", StringComparison.Ordinal))
                ? kv.Value.Unsqueeze(-1).Unsqueeze(-1)
                : kv.Value);
        conv.LoadStateDict(new TensorDictionarySource(weights), strict: true);

        using var g = new Generator(11);
        var sample = g.Randn([2, 4, 8, 8]);
        var context = g.Randn([2, 5, 24]);
        var t = Tensor.FromArray([10L, 900L], 2);
        var a = linear.Forward(sample, t, context);
        var b = conv.Forward(sample, t, context);
        Assert.Equal([2, 4, 8, 8], a.Shape);
        Comparison.AssertClose(Floats(b), Floats(a), 1e-4, "linear vs conv projection");
    }

    [Fact]
    public void StateDict_LinearProjectionLayout_HasDiffusersKeysAndShapes()
    {
        // The independent diffusers key list (TinyModels.UNetLayout) for an SD2-style tiny UNet.
        var layout = new UNetLayout { UseLinearProjection = true };
        var config = new UNet2DConditionConfig
        {
            InChannels = layout.InChannels,
            OutChannels = layout.OutChannels,
            DownBlockTypes = layout.DownBlockTypes,
            UpBlockTypes = layout.UpBlockTypes,
            BlockOutChannels = layout.BlockOutChannels,
            LayersPerBlock = Enumerable.Repeat(layout.LayersPerBlock, 3).ToArray(),
            TransformerLayersPerBlock = [1, 1, 1],
            NormNumGroups = layout.NormNumGroups,
            CrossAttentionDim = Enumerable.Repeat(layout.CrossAttentionDim, 3).ToArray(),
            NumAttentionHeads = Enumerable.Repeat(layout.AttentionHeadDim, 3).ToArray(),
            UseLinearProjection = true,
        };
        using var model = new UNet2DConditionModel(config);
        var ours = model.StateDict().ToDictionary(kv => kv.Key, kv => kv.Value.Shape);
        var expected = layout.Keys().ToDictionary(p => p.Key, p => p.Shape);
        Assert.Equal(expected.Keys.Order(StringComparer.Ordinal), ours.Keys.Order(StringComparer.Ordinal));
        foreach (var (key, shape) in expected) Assert.True(shape.SequenceEqual(ours[key]), key);
    }

    [Fact]
    public void Forward_BFloat16Model_RunsCloseToFloat32Reference()
    {
        var golden = new SafetensorsFile(TestPaths.ReferenceFile("unet.safetensors"));
        using var model = UNet2DConditionModel.Load(TestPaths.ReferenceFile("tiny_sd", "unet"), ScalarType.BFloat16);
        using var scope = TensorScope.Enter();
        var output = model.Forward(
            Tensor.FromArray(golden.Floats("sample"), golden.Shape("sample")).To(ScalarType.BFloat16),
            Tensor.FromArray(golden.Longs("timesteps"), golden.Shape("timesteps")),
            Tensor.FromArray(golden.Floats("encoder_hidden_states"), golden.Shape("encoder_hidden_states")).To(ScalarType.BFloat16));
        Assert.Equal(ScalarType.BFloat16, output.Dtype);
        var expected = golden.Floats("out_timesteps");
        var diff = Comparison.MaxAbsDiff(expected, Floats(output));
        var scale = expected.Max(MathF.Abs);
        // bfloat16 keeps 8 mantissa bits (~4e-3 relative per op): close to, not equal to, float32.
        Assert.True(diff < 0.1 * scale, $"bfloat16 max abs diff {diff} (values up to {scale})");
    }

    [Fact]
    public void Forward_LatentSizeNotMultipleOfDownsampling_UpsamplesToSkipSizes()
    {
        // 18x14 latents go 18 -> 9 -> 5 on the way down; diffusers then passes upsample_size so the up path
        // returns to 9 and 18 instead of 10 and 20.
        using var model = UNet2DConditionModel.CreateRandom(Sd2Like(linear: false), 5);
        using var scope = TensorScope.Enter();
        using var g = new Generator(2);
        var output = model.Forward(g.Randn([1, 4, 18, 14]), Tensor.Scalar(300), g.Randn([1, 3, 24]));
        Assert.Equal([1, 4, 18, 14], output.Shape);
    }
}
