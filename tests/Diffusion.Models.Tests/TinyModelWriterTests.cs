using System.Text.Json;
using Diffusion.Models.Adapters;
using Diffusion.Models.Loading;
using Diffusion.Models.TinyModels;
using Diffusion.Testing;
using Diffusion.Tokenizers;
using Diffusion.Torch;

namespace Diffusion.Models.Tests;

/// <summary><see cref="TinyModelWriter"/> writes a loadable diffusers folder shaped like the reference tiny model.</summary>
public sealed class TinyModelWriterTests : IDisposable
{
    private readonly string _temp = Path.Combine(Path.GetTempPath(), "tiny-model-" + Guid.NewGuid().ToString("N"));

    public TinyModelWriterTests() => Directory.CreateDirectory(_temp);

    public void Dispose() => Directory.Delete(_temp, recursive: true);

    private string WriteModel(string name = "tiny", int seed = 3)
    {
        var dir = Path.Combine(_temp, name);
        TinyModelWriter.Write(dir, seed);
        return dir;
    }

    [Theory]
    [InlineData("unet")]
    [InlineData("vae")]
    public void Write_UNetAndVae_HaveExactlyTheReferenceKeysAndShapes(string component)
    {
        var dir = WriteModel();
        var written = new SafetensorsFile(Path.Combine(dir, component, "diffusion_pytorch_model.safetensors"));
        var reference = new SafetensorsFile(TestPaths.ReferenceFile("tiny_sd", component, "diffusion_pytorch_model.safetensors"));
        Assert.Equal(reference.Entries.Keys.Order(StringComparer.Ordinal), written.Entries.Keys.Order(StringComparer.Ordinal));
        foreach (var (key, entry) in reference.Entries)
        {
            Assert.True(entry.Shape.SequenceEqual(written.Shape(key)), $"{key}: reference [{string.Join(", ", entry.Shape)}], written [{string.Join(", ", written.Shape(key))}]");
            Assert.Equal(entry.DType, written.Entries[key].DType);
        }
    }

    [Theory]
    [InlineData("unet", "config.json")]
    [InlineData("vae", "config.json")]
    [InlineData("scheduler", "scheduler_config.json")]
    [InlineData("", "model_index.json")]
    public void Write_Configs_EqualTheReferenceConfigs(string component, string file)
    {
        var dir = WriteModel();
        using var written = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, component, file)));
        using var reference = JsonDocument.Parse(File.ReadAllText(TestPaths.ReferenceFile("tiny_sd", component, file)));
        AssertJsonEqual(reference.RootElement, written.RootElement, $"{component}/{file}");
    }

    [Fact]
    public void Write_TextEncoderAndTokenizer_LoadAndEncode()
    {
        var dir = WriteModel();
        var tokenizer = ClipTokenizer.FromDirectory(Path.Combine(dir, "tokenizer"));
        Assert.Equal(new[] { tokenizer.BosId, tokenizer.TokenToId("a</w>"), tokenizer.TokenToId("photo</w>"), tokenizer.TokenToId("of</w>"),
            tokenizer.TokenToId("a</w>"), tokenizer.TokenToId("cat</w>"), tokenizer.EosId }, tokenizer.Encode("a photo of a cat").InputIds[..7]);
        Assert.Equal(tokenizer.VocabSize - 1, tokenizer.EosId);
        Assert.Equal(tokenizer.EosId, tokenizer.PadId);
        Assert.NotEqual(tokenizer.UnkId, tokenizer.TokenToId("photo</w>"));
        // Text outside the word list still tokenizes (byte-level fallback), without unknown ids.
        Assert.DoesNotContain(tokenizer.UnkId, tokenizer.TokenIds("zebra ☃ 42"));

        using var encoder = TorchTextEncoderModel.Load(dir, Device.Cpu, ScalarType.Float32);
        Assert.Equal(tokenizer.VocabSize, encoder.Info.VocabSize);
        var result = encoder.Encode(["a photo of a cat", "zebra ☃ 42"], clipSkip: 1, chunkLongPrompts: false);
        Assert.Equal(new long[] { 2, 77, 32 }, result.HiddenShape);
        Assert.All(result.HiddenStates, v => Assert.True(float.IsFinite(v)));
        Assert.True(result.HiddenStates.Select(Math.Abs).Max() > 0.1f);
        Assert.NotEqual(result.Pooled[..32], result.Pooled[32..]);
    }

    [Fact]
    public void Write_SameSeed_ByteIdentical_OtherSeed_DifferentWeights()
    {
        var a = WriteModel("a", 11);
        var b = WriteModel("b", 11);
        var c = WriteModel("c", 12);
        foreach (var file in Directory.EnumerateFiles(a, "*", SearchOption.AllDirectories))
        {
            var rel = Path.GetRelativePath(a, file);
            Assert.True(File.ReadAllBytes(file).SequenceEqual(File.ReadAllBytes(Path.Combine(b, rel))), $"{rel} differs between equal seeds");
        }
        foreach (var rel in new[] { "text_encoder/model.safetensors", "unet/diffusion_pytorch_model.safetensors", "vae/diffusion_pytorch_model.safetensors" })
            Assert.False(File.ReadAllBytes(Path.Combine(a, rel)).SequenceEqual(File.ReadAllBytes(Path.Combine(c, rel))), $"{rel} equal for different seeds");
    }

    [Fact]
    public void Write_ExistingFolder_ReplacedAtomicallyWithoutLeftovers()
    {
        var dir = Path.Combine(_temp, "model");
        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(dir, "stale.txt"), "old");
        TinyModelWriter.Write(dir, 1);
        Assert.False(File.Exists(Path.Combine(dir, "stale.txt")));
        Assert.Equal(new[] { "model" }, Directory.EnumerateFileSystemEntries(_temp).Select(Path.GetFileName));
        var folder = ModelFolder.Open(dir);
        Assert.True(File.Exists(folder.SchedulerConfigPath));
        Assert.True(File.Exists(folder.WeightPath("unet")));
        Assert.True(File.Exists(folder.WeightPath("vae")));
    }

    [Fact]
    public void Write_Weights_FollowTheReferenceInitialisationScheme()
    {
        var dir = WriteModel();
        var unet = new SafetensorsFile(Path.Combine(dir, "unet", "diffusion_pytorch_model.safetensors"));
        var norm = unet.Floats("conv_norm_out.weight");
        var bias = unet.Floats("conv_in.bias");
        var kernel = unet.Floats("down_blocks.0.resnets.0.conv1.weight"); // fan_in 32*3*3 = 288
        Assert.InRange(norm.Average(), 0.9, 1.1);
        Assert.InRange(bias.Select(Math.Abs).Average(), 0.01, 0.1);
        var std = Math.Sqrt(kernel.Select(v => (double)v * v).Average());
        Assert.InRange(std, 0.8 / Math.Sqrt(288), 1.2 / Math.Sqrt(288));
    }

    [Fact]
    public void UNetLayoutKeys_LinearProjection_UsesLinearProjInOut()
    {
        var keys = new UNetLayout { UseLinearProjection = true }.Keys().ToDictionary(k => k.Key, k => k.Shape);
        Assert.Equal(new long[] { 32, 32 }, keys["down_blocks.0.attentions.0.proj_in.weight"]);
        Assert.Equal(new long[] { 64, 64 }, keys["mid_block.attentions.0.proj_out.weight"]);
    }

    private static void AssertJsonEqual(JsonElement expected, JsonElement actual, string path)
    {
        if (expected.ValueKind == JsonValueKind.Number)
        {
            Assert.True(actual.ValueKind == JsonValueKind.Number, $"{path}: expected a number, got {actual.GetRawText()}");
            Assert.Equal(expected.GetDouble(), actual.GetDouble());
            return;
        }
        Assert.True(expected.ValueKind == actual.ValueKind, $"{path}: expected {expected.GetRawText()}, got {actual.GetRawText()}");
        switch (expected.ValueKind)
        {
            case JsonValueKind.Object:
                Assert.Equal(expected.EnumerateObject().Select(p => p.Name).Order(), actual.EnumerateObject().Select(p => p.Name).Order());
                foreach (var p in expected.EnumerateObject()) AssertJsonEqual(p.Value, actual.GetProperty(p.Name), $"{path}.{p.Name}");
                break;
            case JsonValueKind.Array:
                var e = expected.EnumerateArray().ToArray();
                var a = actual.EnumerateArray().ToArray();
                Assert.True(e.Length == a.Length, $"{path}: length {e.Length} vs {a.Length}");
                for (var i = 0; i < e.Length; i++) AssertJsonEqual(e[i], a[i], $"{path}[{i}]");
                break;
            case JsonValueKind.String:
                Assert.Equal(expected.GetString(), actual.GetString());
                break;
        }
    }
}
