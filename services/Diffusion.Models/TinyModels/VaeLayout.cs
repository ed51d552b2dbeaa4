namespace Diffusion.Models.TinyModels;

/// <summary>The structural options of a diffusers <c>AutoencoderKL</c> (DownEncoderBlock2D /
/// UpDecoderBlock2D, one mid attention) that decide its state-dict keys.</summary>
public sealed record VaeLayout
{
    /// <summary>Image channels in.</summary>
    public int InChannels { get; init; } = 3;
    /// <summary>Image channels out.</summary>
    public int OutChannels { get; init; } = 3;
    /// <summary>Channels per level; the latent is 2^(levels-1) times smaller than the image.</summary>
    public int[] BlockOutChannels { get; init; } = [32, 64];
    /// <summary>Resnets per encoder block (decoder blocks have one more).</summary>
    public int LayersPerBlock { get; init; } = 2;
    /// <summary>Latent channels.</summary>
    public int LatentChannels { get; init; } = 4;
    /// <summary>GroupNorm groups.</summary>
    public int NormNumGroups { get; init; } = 32;
    /// <summary>Image side length the model is made for.</summary>
    public int SampleSize { get; init; } = 32;
    /// <summary>Latents are multiplied by this after encoding (SD 1.x: 0.18215).</summary>
    public double ScalingFactor { get; init; } = 0.18215;

    /// <summary>Every state-dict key and shape (diffusers 0.27 Encoder/Decoder/AutoencoderKL module order).</summary>
    public IReadOnlyList<ParameterShape> Keys()
    {
        var b = new DiffusersKeyBuilder();
        var ch = BlockOutChannels;
        long top = ch[^1];

        b.Conv("encoder.conv_in", InChannels, ch[0], 3);
        long output = ch[0];
        for (var i = 0; i < ch.Length; i++)
        {
            long input = output;
            output = ch[i];
            for (var j = 0; j < LayersPerBlock; j++)
                b.Resnet($"encoder.down_blocks.{i}.resnets.{j}", j == 0 ? input : output, output, null);
            if (i != ch.Length - 1) b.Conv($"encoder.down_blocks.{i}.downsamplers.0.conv", output, output, 3);
        }
        MidBlock(b, "encoder.mid_block", top);
        b.Norm("encoder.conv_norm_out", top);
        b.Conv("encoder.conv_out", top, 2L * LatentChannels, 3); // double_z: mean and log-variance

        b.Conv("decoder.conv_in", LatentChannels, top, 3);
        MidBlock(b, "decoder.mid_block", top);
        var reversed = ch.Reverse().ToArray();
        long prev = reversed[0];
        for (var i = 0; i < reversed.Length; i++)
        {
            long outCh = reversed[i];
            for (var j = 0; j < LayersPerBlock + 1; j++)
                b.Resnet($"decoder.up_blocks.{i}.resnets.{j}", j == 0 ? prev : outCh, outCh, null);
            if (i != reversed.Length - 1) b.Conv($"decoder.up_blocks.{i}.upsamplers.0.conv", outCh, outCh, 3);
            prev = outCh;
        }
        b.Norm("decoder.conv_norm_out", ch[0]);
        b.Conv("decoder.conv_out", ch[0], OutChannels, 3);

        b.Conv("quant_conv", 2L * LatentChannels, 2L * LatentChannels, 1);
        b.Conv("post_quant_conv", LatentChannels, LatentChannels, 1);
        return b.Entries;
    }

    /// <summary>The diffusers 0.27.2 <c>vae/config.json</c> of this layout.</summary>
    public IReadOnlyList<KeyValuePair<string, object?>> Config() =>
    [
        new("_class_name", "AutoencoderKL"),
        new("_diffusers_version", "0.27.2"),
        new("act_fn", "silu"),
        new("block_out_channels", BlockOutChannels),
        new("down_block_types", Enumerable.Repeat("DownEncoderBlock2D", BlockOutChannels.Length).ToArray()),
        new("force_upcast", true),
        new("in_channels", InChannels),
        new("latent_channels", LatentChannels),
        new("latents_mean", null),
        new("latents_std", null),
        new("layers_per_block", LayersPerBlock),
        new("norm_num_groups", NormNumGroups),
        new("out_channels", OutChannels),
        new("sample_size", SampleSize),
        new("scaling_factor", ScalingFactor),
        new("up_block_types", Enumerable.Repeat("UpDecoderBlock2D", BlockOutChannels.Length).ToArray()),
    ];

    private static void MidBlock(DiffusersKeyBuilder b, string prefix, long channels)
    {
        b.Resnet($"{prefix}.resnets.0", channels, channels, null);
        b.VaeAttention($"{prefix}.attentions.0", channels);
        b.Resnet($"{prefix}.resnets.1", channels, channels, null);
    }
}
