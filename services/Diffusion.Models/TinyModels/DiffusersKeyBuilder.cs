namespace Diffusion.Models.TinyModels;

/// <summary>Collects the state-dict keys and shapes of diffusers building blocks (diffusers 0.27 module
/// names), so a model's full key list can be enumerated from its config without instantiating it.</summary>
public sealed class DiffusersKeyBuilder
{
    private readonly List<ParameterShape> _entries = [];

    /// <summary>The keys added so far, in order.</summary>
    public IReadOnlyList<ParameterShape> Entries => _entries;

    /// <summary>nn.Conv2d: weight [out, in, k, k], bias [out].</summary>
    public void Conv(string prefix, long inChannels, long outChannels, long kernel)
    {
        Add($"{prefix}.weight", outChannels, inChannels, kernel, kernel);
        Add($"{prefix}.bias", outChannels);
    }

    /// <summary>nn.Linear: weight [out, in], bias [out] when <paramref name="bias"/>.</summary>
    public void Linear(string prefix, long inFeatures, long outFeatures, bool bias = true)
    {
        Add($"{prefix}.weight", outFeatures, inFeatures);
        if (bias) Add($"{prefix}.bias", outFeatures);
    }

    /// <summary>GroupNorm / LayerNorm with affine parameters: weight and bias [channels].</summary>
    public void Norm(string prefix, long channels)
    {
        Add($"{prefix}.weight", channels);
        Add($"{prefix}.bias", channels);
    }

    /// <summary>diffusers ResnetBlock2D: norm1, conv1, time_emb_proj (when <paramref name="timeEmbedDim"/>
    /// is set), norm2, conv2, and a 1x1 conv_shortcut when the channel count changes.</summary>
    public void Resnet(string prefix, long inChannels, long outChannels, long? timeEmbedDim)
    {
        Norm($"{prefix}.norm1", inChannels);
        Conv($"{prefix}.conv1", inChannels, outChannels, 3);
        if (timeEmbedDim is { } t) Linear($"{prefix}.time_emb_proj", t, outChannels);
        Norm($"{prefix}.norm2", outChannels);
        Conv($"{prefix}.conv2", outChannels, outChannels, 3);
        if (inChannels != outChannels) Conv($"{prefix}.conv_shortcut", inChannels, outChannels, 1);
    }

    /// <summary>diffusers Transformer2DModel with one BasicTransformerBlock: GroupNorm "norm", proj_in/out
    /// (1x1 convs, or Linear when <paramref name="linearProjection"/>), self-attention attn1 and
    /// cross-attention attn2 (q/k/v without bias, to_out.0 with bias), and the GEGLU feed-forward
    /// (ff.net.0.proj [8C, C], ff.net.2 [C, 4C]).</summary>
    public void Transformer2D(string prefix, long channels, long crossAttentionDim, bool linearProjection)
    {
        Norm($"{prefix}.norm", channels);
        Projection($"{prefix}.proj_in", channels, linearProjection);
        var block = $"{prefix}.transformer_blocks.0";
        Norm($"{block}.norm1", channels);
        Attention($"{block}.attn1", channels, channels);
        Norm($"{block}.norm2", channels);
        Attention($"{block}.attn2", channels, crossAttentionDim);
        Norm($"{block}.norm3", channels);
        Linear($"{block}.ff.net.0.proj", channels, channels * 8);
        Linear($"{block}.ff.net.2", channels * 4, channels);
        Projection($"{prefix}.proj_out", channels, linearProjection);
    }

    /// <summary>diffusers Attention as the VAE mid block uses it: group_norm, biased to_q/k/v, to_out.0.</summary>
    public void VaeAttention(string prefix, long channels)
    {
        Norm($"{prefix}.group_norm", channels);
        Linear($"{prefix}.to_q", channels, channels);
        Linear($"{prefix}.to_k", channels, channels);
        Linear($"{prefix}.to_v", channels, channels);
        Linear($"{prefix}.to_out.0", channels, channels);
    }

    private void Attention(string prefix, long channels, long contextDim)
    {
        Linear($"{prefix}.to_q", channels, channels, bias: false);
        Linear($"{prefix}.to_k", contextDim, channels, bias: false);
        Linear($"{prefix}.to_v", contextDim, channels, bias: false);
        Linear($"{prefix}.to_out.0", channels, channels);
    }

    private void Projection(string prefix, long channels, bool linear)
    {
        if (linear) Linear(prefix, channels, channels);
        else Conv(prefix, channels, channels, 1);
    }

    private void Add(string key, params long[] shape) => _entries.Add(new ParameterShape(key, shape));
}
