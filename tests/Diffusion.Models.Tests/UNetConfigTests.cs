using Diffusion.Models.Loading;
using Diffusion.Models.UNet;
using Diffusion.Models.Vae;
using Diffusion.Testing;

namespace Diffusion.Models.Tests;

/// <summary>config.json parsing of <see cref="UNet2DConditionConfig"/> / <see cref="AutoencoderKLConfig"/>.</summary>
public sealed class UNetConfigTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("unet-config-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string WithOverride(string component, string key, string json)
    {
        var source = File.ReadAllText(TestPaths.ReferenceFile("tiny_sd", component, "config.json"));
        var node = System.Text.Json.Nodes.JsonNode.Parse(source)!.AsObject();
        node[key] = System.Text.Json.Nodes.JsonNode.Parse(json);
        var path = Path.Combine(_dir, component + ".json");
        File.WriteAllText(path, node.ToJsonString());
        return path;
    }

    [Fact]
    public void Load_TinyReference_ReadsHeadCountFromAttentionHeadDim()
    {
        var c = UNet2DConditionConfig.Load(TestPaths.ReferenceFile("tiny_sd", "unet", "config.json"));
        Assert.Equal([32, 64, 64], c.BlockOutChannels);
        Assert.Equal([8, 8, 8], c.NumAttentionHeads); // attention_head_dim 8 = eight heads, not head size 8
        Assert.Equal([32, 32, 32], c.CrossAttentionDim);
        Assert.Equal(128, c.TimeEmbeddingDim);
        Assert.False(c.UseLinearProjection);
    }

    [Fact]
    public void Load_PerBlockHeadList_KeepsOneEntryPerDownBlock()
    {
        var c = UNet2DConditionConfig.Load(WithOverride("unet", "attention_head_dim", "[2, 4, 8]"));
        Assert.Equal([2, 4, 8], c.NumAttentionHeads);
    }

    [Theory]
    [InlineData("act_fn", "\"gelu\"")]
    [InlineData("class_embed_type", "\"timestep\"")]
    [InlineData("addition_embed_type", "\"text_time\"")]
    [InlineData("resnet_time_scale_shift", "\"scale_shift\"")]
    [InlineData("only_cross_attention", "true")]
    [InlineData("mid_block_type", "\"UNetMidBlock2DSimpleCrossAttn\"")]
    [InlineData("mid_block_type", "null")]
    [InlineData("num_attention_heads", "4")]
    [InlineData("down_block_types", "[\"SimpleCrossAttnDownBlock2D\", \"CrossAttnDownBlock2D\", \"DownBlock2D\"]")]
    public void Load_UnsupportedOption_FailsNamingOptionAndValue(string key, string value)
    {
        var e = Assert.Throws<ModelLoadException>(() => UNet2DConditionConfig.Load(WithOverride("unet", key, value)));
        Assert.Contains(key, e.Message, StringComparison.Ordinal);
        Assert.Contains(value.Trim('"').Split('"')[0].Trim('[', '"'), e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_VaeLatentsMean_FailsNamingOption()
    {
        var e = Assert.Throws<ModelLoadException>(() => AutoencoderKLConfig.Load(WithOverride("vae", "latents_mean", "[0.1, 0.2, 0.3, 0.4]")));
        Assert.Contains("latents_mean", e.Message, StringComparison.Ordinal);
    }
}
