using System.Text.Json;
using Diffusion.Cli.Commands;
using Diffusion.Torch;

namespace Diffusion.EndToEnd.Tests;

/// <summary>`diffusion eval COMPONENT`: the reference's own input files in, outputs under the reference's key
/// names out, equal to the golden outputs of diffusers/transformers.</summary>
public sealed class EvalCommandTests
{
    private const double Tolerance = 1e-4;
    private static string Model => TestPaths.ReferenceFile("tiny_sd");

    private static SafetensorsFile Eval(TempDir dir, string component, string inputs)
    {
        string output = Path.Combine(dir.Path, component + ".safetensors");
        EvalCommand.Run(component, Model, inputs, output, Device.Cpu, ScalarType.Float32);
        return new SafetensorsFile(output);
    }

    private static void AssertKey(SafetensorsFile golden, string goldenKey, SafetensorsFile actual, string key)
    {
        Assert.Equal(golden.Shape(goldenKey), actual.Shape(key));
        Comparison.AssertClose(golden.Floats(goldenKey), actual.Floats(key), Tolerance, key);
    }

    [Fact]
    public void Tokenizer_EveryReferencePrompt_IdsExact()
    {
        using var dir = new TempDir();
        var expected = JsonSerializer.Deserialize<Dictionary<string, long[]>>(File.ReadAllText(TestPaths.ReferenceFile("tokenizer", "tokenizer_ids.json")))!;
        var prompts = expected.Keys.ToArray();
        string input = Path.Combine(dir.Path, "prompts.json");
        File.WriteAllText(input, JsonSerializer.Serialize(prompts));
        var ids = Eval(dir, "tokenizer", input);
        Assert.Equal([prompts.Length, 77], ids.Shape("input_ids"));
        var all = ids.Longs("input_ids");
        for (int i = 0; i < prompts.Length; i++)
            Assert.True(expected[prompts[i]].AsSpan().SequenceEqual(all.AsSpan(i * 77, 77)), $"prompt {i}: {prompts[i]}");
    }

    [Fact]
    public void TextEncoder_ReferenceInputs_MatchTransformers()
    {
        using var dir = new TempDir();
        string input = TestPaths.ReferenceFile("text_encoder.safetensors");
        var golden = new SafetensorsFile(input);
        var actual = Eval(dir, "text-encoder", input);
        AssertKey(golden, "last_hidden_state", actual, "last_hidden_state");
        AssertKey(golden, "pooler_output", actual, "pooler_output");
        AssertKey(golden, "penultimate_hidden_state", actual, "penultimate_hidden_state");
    }

    [Fact]
    public void UNet_ReferenceInputs_MatchDiffusers()
    {
        using var dir = new TempDir();
        string input = TestPaths.ReferenceFile("unet.safetensors");
        AssertKey(new SafetensorsFile(input), "out_timesteps", Eval(dir, "unet", input), "out");
    }

    [Fact]
    public void VaeDecodeAndEncode_ReferenceInputs_MatchDiffusers()
    {
        using var dir = new TempDir();
        string input = TestPaths.ReferenceFile("vae.safetensors");
        var golden = new SafetensorsFile(input);
        AssertKey(golden, "decoded", Eval(dir, "vae-decode", input), "decoded");
        var encoded = Eval(dir, "vae-encode", input);
        AssertKey(golden, "latent_dist_mean", encoded, "latent_dist_mean");
        AssertKey(golden, "latent_dist_logvar", encoded, "latent_dist_logvar");
    }

    [Fact]
    public void MissingInputKey_NamesTheKeyAndWhatTheFileHas()
    {
        using var dir = new TempDir();
        var error = Assert.Throws<ArgumentException>(() =>
            EvalCommand.Run("unet", Model, TestPaths.ReferenceFile("vae.safetensors"), Path.Combine(dir.Path, "o.safetensors"), Device.Cpu, ScalarType.Float32));
        Assert.Contains("'sample'", error.Message);
        Assert.Contains("decode_input", error.Message);
    }
}
