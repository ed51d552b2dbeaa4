using Xunit.Abstractions;
using Diffusion.Models.Clip;
using Diffusion.Testing;
using Diffusion.Torch;

namespace Diffusion.Models.Tests;

/// <summary>Parity of <see cref="ClipTextModel"/> with transformers' CLIPTextModel on the shared tiny model.</summary>
public sealed class ClipTextModelTests(ITestOutputHelper log)
{
    private const double Tolerance = 1e-4;

    private static string TextEncoderDir => TestPaths.ReferenceFile("tiny_sd", "text_encoder");

    private static float[] Floats(Tensor t)
    {
        using var f = t.To(ScalarType.Float32).DetachFromScope();
        return f.ToFloatArray();
    }

    private void Check(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual, string what)
    {
        log.WriteLine($"{what}: max abs diff {Comparison.MaxAbsDiff(expected, actual):E2}");
        Comparison.AssertClose(expected, actual, Tolerance, what);
    }

    [Fact]
    public void Forward_ReferenceInputs_MatchesTransformersOutputs()
    {
        var golden = new SafetensorsFile(TestPaths.ReferenceFile("text_encoder.safetensors"));
        var ids = golden.Longs("input_ids");
        var idShape = golden.Shape("input_ids");
        using var model = ClipTextModel.Load(TextEncoderDir);
        using var scope = TensorScope.Enter();
        using var output = model.Forward(Tensor.FromArray(ids, idShape), outputHiddenStates: true);

        Check(golden.Floats("last_hidden_state"), Floats(output.LastHiddenState), "last_hidden_state");
        Check(golden.Floats("pooler_output"), Floats(output.PoolerOutput), "pooler_output");
        Check(golden.Floats("embeddings"), Floats(output.HiddenStates[0]), "embeddings");

        // hidden_states golden is [layers+1, B, L, D].
        var hs = golden.Floats("hidden_states");
        var hsShape = golden.Shape("hidden_states");
        Assert.Equal(hsShape[0], output.HiddenStates.Count);
        var per = hs.Length / (int)hsShape[0];
        for (var i = 0; i < output.HiddenStates.Count; i++)
            Check(hs.AsSpan(i * per, per), Floats(output.HiddenStates[i]), $"hidden_states[{i}]");

        var penultimate = output.HiddenStates[^2];
        Check(golden.Floats("penultimate_hidden_state"), Floats(penultimate), "penultimate_hidden_state");
        Check(golden.Floats("penultimate_hidden_state_final_ln"), Floats(model.TextModel.FinalLayerNorm(penultimate)),
            "penultimate_hidden_state_final_ln");
    }

    [Fact]
    public void Load_Fp16Variant_RunsCloseToFloat32Weights()
    {
        var golden = new SafetensorsFile(TestPaths.ReferenceFile("text_encoder.safetensors"));
        using var model = ClipTextModel.Load(TextEncoderDir, variant: "fp16");
        using var scope = TensorScope.Enter();
        using var output = model.Forward(Tensor.FromArray(golden.Longs("input_ids"), golden.Shape("input_ids")));
        // fp16 weights (11-bit mantissa, ~5e-4 relative rounding) upcast to float32: close, not equal.
        var expected = golden.Floats("last_hidden_state");
        var actual = Floats(output.LastHiddenState);
        var diff = Comparison.MaxAbsDiff(expected, actual);
        log.WriteLine($"fp16 weights: last_hidden_state max abs diff {diff:E2}");
        Assert.True(diff < 2e-2, $"fp16-weight last_hidden_state max abs diff {diff}");
        Assert.True(diff > 0, "fp16 weights should not reproduce float32 exactly (was the fp16 file loaded?)");
    }

    [Fact]
    public void Forward_BFloat16Model_RunsCloseToFloat32()
    {
        var golden = new SafetensorsFile(TestPaths.ReferenceFile("text_encoder.safetensors"));
        using var model = ClipTextModel.Load(TextEncoderDir, ScalarType.BFloat16);
        using var scope = TensorScope.Enter();
        using var output = model.Forward(Tensor.FromArray(golden.Longs("input_ids"), golden.Shape("input_ids")));
        Assert.Equal(ScalarType.BFloat16, output.LastHiddenState.Dtype);
        var diff = Comparison.MaxAbsDiff(golden.Floats("last_hidden_state"), Floats(output.LastHiddenState));
        log.WriteLine($"bfloat16: last_hidden_state max abs diff {diff:E2}");
        Assert.True(diff < 0.25, $"bfloat16 last_hidden_state max abs diff {diff}");
    }

    [Fact]
    public void Forward_NonLegacyEosId_PoolsFirstEosPosition()
    {
        // With eos_token_id != 2 transformers pools the first position holding eos_token_id, not argmax.
        var config = new ClipTextConfig { VocabSize = 10, HiddenSize = 8, IntermediateSize = 5, NumHiddenLayers = 1,
            NumAttentionHeads = 2, MaxPositionEmbeddings = 6, EosTokenId = 3 };
        using var model = new ClipTextModel(config);
        using var g = new Generator(5);
        Diffusion.Torch.Nn.Init.RandomizeParameters(model, g);
        using var scope = TensorScope.Enter();
        using var output = model.Forward(Tensor.FromArray(new long[] { 1, 9, 3, 9, 3, 0, 1, 2, 4, 5, 6, 7 }, 2, 6));
        var last = Floats(output.LastHiddenState);
        var pooled = Floats(output.PoolerOutput);
        Assert.Equal(last.AsSpan(2 * 8, 8).ToArray(), pooled.AsSpan(0, 8).ToArray()); // row 0: first 3 at position 2
        Assert.Equal(last.AsSpan(6 * 8, 8).ToArray(), pooled.AsSpan(8, 8).ToArray()); // row 1: no 3 -> position 0
    }

    [Fact]
    public void Forward_Causal_EarlierPositionsIgnoreLaterTokens()
    {
        using var model = ClipTextModel.Load(TextEncoderDir);
        using var scope = TensorScope.Enter();
        using var a = model.Forward(Tensor.FromArray(new long[] { 49406, 320, 1125, 49407, 49407 }, 1, 5));
        using var b = model.Forward(Tensor.FromArray(new long[] { 49406, 320, 2368, 539, 49407 }, 1, 5));
        var fa = Floats(a.LastHiddenState);
        var fb = Floats(b.LastHiddenState);
        Assert.True(Comparison.MaxAbsDiff(fa.AsSpan(0, 64), fb.AsSpan(0, 64)) < 1e-6, "positions 0-1 must not see later tokens");
        Assert.True(Comparison.MaxAbsDiff(fa.AsSpan(64, 32), fb.AsSpan(64, 32)) > 1e-3, "position 2 differs");
    }
}
