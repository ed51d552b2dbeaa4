using System.Text.Json;
using Diffusion.Models.Adapters;
using Diffusion.Testing;
using Diffusion.Torch;

namespace Diffusion.Models.Tests;

/// <summary><see cref="TorchTextEncoderModel"/>: prompts to embeddings as diffusers' encode_prompt.</summary>
public sealed class ClipTextEncoderAdapterTests
{
    private const double Tolerance = 1e-4;

    private static string TinySd => TestPaths.ReferenceFile("tiny_sd");

    private static string[] GoldenPrompts()
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(TestPaths.ReferenceFile("text_encoder.json")));
        return doc.RootElement.GetProperty("args").GetProperty("prompts").EnumerateArray().Select(e => e.GetString()!).ToArray();
    }

    [Fact]
    public void Encode_GoldenPrompts_MatchesLastHiddenStateAndPooled()
    {
        var golden = new SafetensorsFile(TestPaths.ReferenceFile("text_encoder.safetensors"));
        using var encoder = TorchTextEncoderModel.Load(TinySd, Device.Cpu, ScalarType.Float32);
        var result = encoder.Encode(GoldenPrompts(), clipSkip: 0, chunkLongPrompts: false);
        Assert.Equal(golden.Shape("last_hidden_state"), result.HiddenShape);
        Assert.Equal(golden.Shape("pooler_output"), result.PooledShape);
        Comparison.AssertClose(golden.Floats("last_hidden_state"), result.HiddenStates, Tolerance, "prompt_embeds");
        Comparison.AssertClose(golden.Floats("pooler_output"), result.Pooled, Tolerance, "pooled");
        Assert.Equal(new[] { false, false, false, true }, result.Truncated);
        Assert.True(result.TokenCounts[3] > 75);
        Assert.Equal(5, result.TokenCounts[0]); // "a photo of a cat"
    }

    [Fact]
    public void Encode_ClipSkip1_MatchesPenultimateWithFinalLayerNorm()
    {
        var golden = new SafetensorsFile(TestPaths.ReferenceFile("text_encoder.safetensors"));
        using var encoder = TorchTextEncoderModel.Load(TinySd, Device.Cpu, ScalarType.Float32);
        var result = encoder.Encode(GoldenPrompts(), clipSkip: 1, chunkLongPrompts: false);
        Comparison.AssertClose(golden.Floats("penultimate_hidden_state_final_ln"), result.HiddenStates, Tolerance, "clip_skip=1");
    }

    [Fact]
    public void Encode_ClipSkip2_AppliesFinalLayerNormToFirstLayerOutput()
    {
        var golden = new SafetensorsFile(TestPaths.ReferenceFile("text_encoder.safetensors"));
        using var encoder = TorchTextEncoderModel.Load(TinySd, Device.Cpu, ScalarType.Float32);
        var result = encoder.Encode(GoldenPrompts(), clipSkip: 2, chunkLongPrompts: false);
        // hidden_states[-3] of a 3-layer model is hidden_states[1], the output of layer 0.
        var hs = golden.Floats("hidden_states");
        var per = hs.Length / (int)golden.Shape("hidden_states")[0];
        using var scope = TensorScope.Enter();
        var layer0 = Tensor.FromArray(hs.AsSpan(per, per).ToArray(), [4, 77, 32]);
        var expected = encoder.Model.TextModel.FinalLayerNorm(layer0).ToFloatArray();
        Comparison.AssertClose(expected, result.HiddenStates, Tolerance, "clip_skip=2");
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(3)]
    public void Encode_ClipSkipOutOfRange_Throws(int clipSkip)
    {
        using var encoder = TorchTextEncoderModel.Load(TinySd, Device.Cpu, ScalarType.Float32);
        Assert.Throws<ArgumentOutOfRangeException>(() => encoder.Encode(["a cat"], clipSkip, false));
    }

    [Fact]
    public void Encode_ChunkingShortPrompts_EqualsUnchunked()
    {
        using var encoder = TorchTextEncoderModel.Load(TinySd, Device.Cpu, ScalarType.Float32);
        string[] prompts = ["a photo of a cat", ""];
        var plain = encoder.Encode(prompts, 0, false);
        var chunked = encoder.Encode(prompts, 0, true);
        Assert.Equal(plain.HiddenShape, chunked.HiddenShape);
        Assert.Equal(plain.HiddenStates, chunked.HiddenStates);
        Assert.Equal(plain.Pooled, chunked.Pooled);
    }

    [Fact]
    public void Encode_ChunkedLongPrompt_ConcatenatesWindowsAndPadsShorterPrompts()
    {
        using var encoder = TorchTextEncoderModel.Load(TinySd, Device.Cpu, ScalarType.Float32);
        var longPrompt = string.Join(' ', Enumerable.Range(0, 100).Select(i => i % 2 == 0 ? "cat" : "dog"));
        var result = encoder.Encode(["a cat", longPrompt], 0, chunkLongPrompts: true);
        Assert.Equal(new long[] { 2, 154, 32 }, result.HiddenShape);
        Assert.Equal(new[] { false, false }, result.Truncated);
        Assert.Equal(100, result.TokenCounts[1]);

        const int window = 77 * 32;
        var chunks = encoder.Tokenizer.EncodeChunked(longPrompt, 8);
        for (var w = 0; w < 2; w++)
        {
            var alone = EncodeIds(encoder, chunks.Chunk(w).ToArray());
            Comparison.AssertClose(alone, result.HiddenStates.AsSpan((2 + w) * window, window), 1e-5, $"long prompt window {w}");
        }
        // The short prompt's first window is its ordinary encoding; its second is the empty prompt's.
        Comparison.AssertClose(encoder.Encode(["a cat"], 0, false).HiddenStates, result.HiddenStates.AsSpan(0, window), 1e-5, "short prompt");
        Comparison.AssertClose(encoder.Encode([""], 0, false).HiddenStates, result.HiddenStates.AsSpan(window, window), 1e-5, "padding window");
    }

    [Fact]
    public void Encode_ChunkLimitExceeded_ReportsTruncation()
    {
        using var encoder = TorchTextEncoderModel.Load(TinySd, Device.Cpu, ScalarType.Float32, maxChunks: 2);
        var veryLong = string.Join(' ', Enumerable.Repeat("cat", 200));
        var result = encoder.Encode([veryLong], 0, true);
        Assert.Equal(new long[] { 1, 154, 32 }, result.HiddenShape);
        Assert.True(result.Truncated[0]);
    }

    [Fact]
    public void Info_TinyModel_DescribesEncoder()
    {
        using var encoder = TorchTextEncoderModel.Load(TinySd, Device.Cpu, ScalarType.Float32);
        Assert.Equal(new Pipelines.Models.TextEncoderInfo("tiny_sd", 32, 77, 49408, 3), encoder.Info);
    }

    [Fact]
    public void Encode_ConcurrentCalls_EqualSequentialResults()
    {
        using var encoder = TorchTextEncoderModel.Load(TinySd, Device.Cpu, ScalarType.Float32);
        string[] prompts = ["a photo of a cat", "a red castle at night", "an astronaut riding a horse", ""];
        var sequential = prompts.Select(p => encoder.Encode([p], 1, false).HiddenStates).ToArray();
        var parallel = new float[prompts.Length][];
        Parallel.For(0, prompts.Length * 4, new ParallelOptions { MaxDegreeOfParallelism = 4 },
            i => parallel[i % prompts.Length] = encoder.Encode([prompts[i % prompts.Length]], 1, false).HiddenStates);
        for (var i = 0; i < prompts.Length; i++) Assert.Equal(sequential[i], parallel[i]);
    }

    [Fact]
    public void Encode_Cancelled_Throws()
    {
        using var encoder = TorchTextEncoderModel.Load(TinySd, Device.Cpu, ScalarType.Float32);
        using var cts = new CancellationTokenSource();
        cts.Cancel();
        Assert.Throws<OperationCanceledException>(() => encoder.Encode(["a cat"], 0, false, cts.Token));
    }

    private static float[] EncodeIds(TorchTextEncoderModel encoder, int[] ids)
    {
        using var scope = TensorScope.Enter();
        using var output = encoder.Model.Forward(Tensor.FromArray(Array.ConvertAll(ids, i => (long)i), 1, ids.Length));
        return output.LastHiddenState.ToFloatArray();
    }
}
