using Diffusion.Models.Clip;
using Diffusion.Models.Loading;
using Diffusion.Testing;

namespace Diffusion.Models.Tests;

/// <summary><see cref="ModelFolder"/>, <see cref="WeightFiles"/> and config records.</summary>
public sealed class LoadingTests : IDisposable
{
    private readonly string _temp = Path.Combine(Path.GetTempPath(), "models-loading-" + Guid.NewGuid().ToString("N"));

    public LoadingTests() => Directory.CreateDirectory(_temp);

    public void Dispose() => Directory.Delete(_temp, recursive: true);

    private static string TinySd => TestPaths.ReferenceFile("tiny_sd");

    [Fact]
    public void Open_ReferenceTinySd_ListsComponentsAndPaths()
    {
        var folder = ModelFolder.Open(TinySd);
        Assert.Equal("StableDiffusionPipeline", folder.PipelineClass);
        Assert.Equal(Path.Combine(folder.Root, "unet"), folder.UNetPath);
        Assert.True(Directory.Exists(folder.TokenizerPath));
        Assert.True(Directory.Exists(folder.TextEncoderPath));
        Assert.True(Directory.Exists(folder.VaePath));
        Assert.EndsWith(Path.Combine("scheduler", "scheduler_config.json"), folder.SchedulerConfigPath);
        Assert.Equal("CLIPTextModel", folder.Components["text_encoder"].ClassName);
        Assert.False(folder.Components["safety_checker"].IsPresent);
        Assert.Throws<ModelLoadException>(() => folder.ComponentPath("safety_checker"));
    }

    [Fact]
    public void Open_NoIndex_ThrowsNamingModelIndex()
    {
        var e = Assert.Throws<ModelLoadException>(() => ModelFolder.Open(_temp));
        Assert.Contains("model_index.json", e.Message);
    }

    [Fact]
    public void Open_ComponentFolderMissing_ThrowsNamingIt()
    {
        File.WriteAllText(Path.Combine(_temp, "model_index.json"), """{"_class_name": "X", "unet": ["diffusers", "UNet2DConditionModel"]}""");
        var e = Assert.Throws<ModelLoadException>(() => ModelFolder.Open(_temp));
        Assert.Contains("unet", e.Message);
    }

    [Fact]
    public void Resolve_PlainAndVariant_PicksRequestedFile()
    {
        var dir = Path.Combine(TinySd, "unet");
        Assert.Equal("diffusion_pytorch_model.safetensors", Path.GetFileName(WeightFiles.Resolve(dir)));
        Assert.Equal("diffusion_pytorch_model.fp16.safetensors", Path.GetFileName(WeightFiles.Resolve(dir, "fp16")));
        Assert.Equal("model.safetensors", Path.GetFileName(WeightFiles.Resolve(Path.Combine(TinySd, "text_encoder"))));
    }

    [Fact]
    public void Resolve_OnlyFp16Present_FallsBackToVariant()
    {
        File.WriteAllBytes(Path.Combine(_temp, "model.fp16.safetensors"), []);
        Assert.Equal("model.fp16.safetensors", Path.GetFileName(WeightFiles.Resolve(_temp)));
    }

    [Fact]
    public void Resolve_ShardedVariantIndex_UsesDiffusersSpelling()
    {
        File.WriteAllText(Path.Combine(_temp, "diffusion_pytorch_model.safetensors.index.json"), "{}");
        File.WriteAllText(Path.Combine(_temp, "diffusion_pytorch_model.safetensors.index.fp16.json"), "{}");
        Assert.Equal("diffusion_pytorch_model.safetensors.index.fp16.json", Path.GetFileName(WeightFiles.Resolve(_temp, "fp16")));
        Assert.Equal("diffusion_pytorch_model.safetensors.index.json", Path.GetFileName(WeightFiles.Resolve(_temp)));
    }

    [Fact]
    public void Resolve_NoWeights_ThrowsListingNamesTried()
    {
        var e = Assert.Throws<ModelLoadException>(() => WeightFiles.Resolve(_temp));
        Assert.Contains("model.safetensors", e.Message);
        Assert.Contains("diffusion_pytorch_model.safetensors.index.json", e.Message);
    }

    [Fact]
    public void Open_ShardedIndex_LoadsEveryKeyFromItsShard()
    {
        // Split the reference text encoder into two shards with a transformers-style index.
        var source = Path.Combine(TinySd, "text_encoder", "model.safetensors");
        using var whole = Diffusion.Torch.Safetensors.SafetensorsFile.Open(source);
        var keys = whole.Keys.Order(StringComparer.Ordinal).ToList();
        var map = new Dictionary<string, string>();
        for (var s = 0; s < 2; s++)
        {
            var name = $"model-0000{s + 1}-of-00002.safetensors";
            var part = keys.Where((_, i) => i % 2 == s).ToList();
            var tensors = part.Select(k => KeyValuePair.Create(k, whole.Load(k))).ToList();
            Diffusion.Torch.Safetensors.SafetensorsWriter.Write(Path.Combine(_temp, name), tensors);
            foreach (var t in tensors) t.Value.Dispose();
            foreach (var k in part) map[k] = name;
        }
        File.WriteAllText(Path.Combine(_temp, "model.safetensors.index.json"),
            System.Text.Json.JsonSerializer.Serialize(new { metadata = new { total_size = 0 }, weight_map = map }));
        File.Copy(Path.Combine(TinySd, "text_encoder", "config.json"), Path.Combine(_temp, "config.json"));

        Assert.Equal("model.safetensors.index.json", Path.GetFileName(WeightFiles.Resolve(_temp)));
        using var sharded = ClipTextModel.Load(_temp);
        using var reference = ClipTextModel.Load(Path.Combine(TinySd, "text_encoder"));
        var a = reference.StateDict().ToDictionary(p => p.Key, p => p.Value.ToFloatArray());
        foreach (var (key, tensor) in sharded.StateDict())
            Assert.Equal(a[key], tensor.ToFloatArray());
    }

    [Fact]
    public void ClipConfigLoad_UnsupportedActivation_NamesOptionAndValue()
    {
        var path = Path.Combine(_temp, "config.json");
        File.WriteAllText(path, """{"model_type": "clip_text_model", "hidden_act": "relu6", "hidden_size": 8, "num_attention_heads": 2}""");
        var e = Assert.Throws<ModelLoadException>(() => ClipTextConfig.Load(path));
        Assert.Contains("hidden_act", e.Message);
        Assert.Contains("relu6", e.Message);
    }

    [Fact]
    public void ClipConfigLoad_AttentionMaskRequested_NamesOption()
    {
        var path = Path.Combine(_temp, "config.json");
        File.WriteAllText(path, """{"hidden_size": 8, "num_attention_heads": 2, "use_attention_mask": true}""");
        var e = Assert.Throws<ModelLoadException>(() => ClipTextConfig.Load(path));
        Assert.Contains("use_attention_mask = true", e.Message);
    }

    [Fact]
    public void ClipConfigLoad_WrongType_NamesOption()
    {
        var path = Path.Combine(_temp, "config.json");
        File.WriteAllText(path, """{"hidden_size": "big"}""");
        var e = Assert.Throws<ModelLoadException>(() => ClipTextConfig.Load(path));
        Assert.Contains("hidden_size", e.Message);
    }

    [Fact]
    public void ClipConfigLoad_Reference_ReadsEveryField()
    {
        var c = ClipTextConfig.Load(Path.Combine(TinySd, "text_encoder", "config.json"));
        Assert.Equal(new ClipTextConfig { VocabSize = 49408, HiddenSize = 32, IntermediateSize = 37, NumHiddenLayers = 3,
            NumAttentionHeads = 4, MaxPositionEmbeddings = 77, HiddenAct = "quick_gelu", LayerNormEps = 1e-5,
            EosTokenId = 2, BosTokenId = 0, PadTokenId = 1 }, c);
    }
}
