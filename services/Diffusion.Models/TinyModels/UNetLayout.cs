namespace Diffusion.Models.TinyModels;

/// <summary>The structural options of a diffusers <c>UNet2DConditionModel</c> that decide its state-dict
/// keys (SD 1.x/2.x family: positional time embedding, CrossAttnDownBlock2D/DownBlock2D,
/// UNetMidBlock2DCrossAttn, UpBlock2D/CrossAttnUpBlock2D, one transformer layer per block).</summary>
public sealed record UNetLayout
{
    /// <summary>Latent channels in.</summary>
    public int InChannels { get; init; } = 4;
    /// <summary>Latent channels out.</summary>
    public int OutChannels { get; init; } = 4;
    /// <summary>Channels per resolution level.</summary>
    public int[] BlockOutChannels { get; init; } = [32, 64, 64];
    /// <summary>"CrossAttnDownBlock2D" or "DownBlock2D" per level.</summary>
    public string[] DownBlockTypes { get; init; } = ["CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "DownBlock2D"];
    /// <summary>"UpBlock2D" or "CrossAttnUpBlock2D" per level, deepest first.</summary>
    public string[] UpBlockTypes { get; init; } = ["UpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D"];
    /// <summary>Resnets per down block (up blocks have one more).</summary>
    public int LayersPerBlock { get; init; } = 2;
    /// <summary>Width of the text embeddings cross-attended to.</summary>
    public int CrossAttentionDim { get; init; } = 32;
    /// <summary>diffusers' attention_head_dim (actually the head count in SD 1.x configs).</summary>
    public int AttentionHeadDim { get; init; } = 8;
    /// <summary>GroupNorm groups.</summary>
    public int NormNumGroups { get; init; } = 32;
    /// <summary>proj_in/proj_out as Linear (SD2) instead of 1x1 convs.</summary>
    public bool UseLinearProjection { get; init; }
    /// <summary>Latent side length the model is made for.</summary>
    public int SampleSize { get; init; } = 16;

    /// <summary>Every state-dict key and shape, in diffusers' module order (diffusers 0.27
    /// UNet2DConditionModel.__init__: conv_in, time_embedding, down_blocks, up_blocks, mid_block, conv_norm_out, conv_out).</summary>
    public IReadOnlyList<ParameterShape> Keys()
    {
        var b = new DiffusersKeyBuilder();
        var ch = BlockOutChannels;
        long timeEmbedDim = ch[0] * 4L;
        b.Conv("conv_in", InChannels, ch[0], 3);
        b.Linear("time_embedding.linear_1", ch[0], timeEmbedDim);
        b.Linear("time_embedding.linear_2", timeEmbedDim, timeEmbedDim);

        long output = ch[0];
        for (var i = 0; i < DownBlockTypes.Length; i++)
        {
            long input = output;
            output = ch[i];
            var cross = Cross(DownBlockTypes[i], "CrossAttnDownBlock2D", "DownBlock2D");
            for (var j = 0; j < LayersPerBlock; j++)
            {
                b.Resnet($"down_blocks.{i}.resnets.{j}", j == 0 ? input : output, output, timeEmbedDim);
                if (cross) b.Transformer2D($"down_blocks.{i}.attentions.{j}", output, CrossAttentionDim, UseLinearProjection);
            }
            if (i != DownBlockTypes.Length - 1) b.Conv($"down_blocks.{i}.downsamplers.0.conv", output, output, 3);
        }

        var reversed = ch.Reverse().ToArray();
        long prevOutput = reversed[0];
        for (var i = 0; i < UpBlockTypes.Length; i++)
        {
            long outCh = reversed[i];
            long inCh = reversed[Math.Min(i + 1, reversed.Length - 1)];
            var cross = Cross(UpBlockTypes[i], "CrossAttnUpBlock2D", "UpBlock2D");
            var layers = LayersPerBlock + 1;
            for (var j = 0; j < layers; j++)
            {
                // diffusers UpBlock: the skip connection concatenated to resnet j has res_skip channels.
                long resSkip = j == layers - 1 ? inCh : outCh;
                long resIn = j == 0 ? prevOutput : outCh;
                b.Resnet($"up_blocks.{i}.resnets.{j}", resIn + resSkip, outCh, timeEmbedDim);
                if (cross) b.Transformer2D($"up_blocks.{i}.attentions.{j}", outCh, CrossAttentionDim, UseLinearProjection);
            }
            if (i != UpBlockTypes.Length - 1) b.Conv($"up_blocks.{i}.upsamplers.0.conv", outCh, outCh, 3);
            prevOutput = outCh;
        }

        long mid = ch[^1];
        b.Resnet("mid_block.resnets.0", mid, mid, timeEmbedDim);
        b.Transformer2D("mid_block.attentions.0", mid, CrossAttentionDim, UseLinearProjection);
        b.Resnet("mid_block.resnets.1", mid, mid, timeEmbedDim);

        b.Norm("conv_norm_out", ch[0]);
        b.Conv("conv_out", ch[0], OutChannels, 3);
        return b.Entries;
    }

    /// <summary>The diffusers 0.27.2 <c>unet/config.json</c> of this layout (all keys diffusers writes,
    /// with the SD 1.5 values for the options not in the layout).</summary>
    public IReadOnlyList<KeyValuePair<string, object?>> Config() =>
    [
        new("_class_name", "UNet2DConditionModel"),
        new("_diffusers_version", "0.27.2"),
        new("act_fn", "silu"),
        new("addition_embed_type", null),
        new("addition_embed_type_num_heads", 64),
        new("addition_time_embed_dim", null),
        new("attention_head_dim", AttentionHeadDim),
        new("attention_type", "default"),
        new("block_out_channels", BlockOutChannels),
        new("center_input_sample", false),
        new("class_embed_type", null),
        new("class_embeddings_concat", false),
        new("conv_in_kernel", 3),
        new("conv_out_kernel", 3),
        new("cross_attention_dim", CrossAttentionDim),
        new("cross_attention_norm", null),
        new("down_block_types", DownBlockTypes),
        new("downsample_padding", 1),
        new("dropout", 0.0),
        new("dual_cross_attention", false),
        new("encoder_hid_dim", null),
        new("encoder_hid_dim_type", null),
        new("flip_sin_to_cos", true),
        new("freq_shift", 0),
        new("in_channels", InChannels),
        new("layers_per_block", LayersPerBlock),
        new("mid_block_only_cross_attention", null),
        new("mid_block_scale_factor", 1),
        new("mid_block_type", "UNetMidBlock2DCrossAttn"),
        new("norm_eps", 1e-05),
        new("norm_num_groups", NormNumGroups),
        new("num_attention_heads", null),
        new("num_class_embeds", null),
        new("only_cross_attention", false),
        new("out_channels", OutChannels),
        new("projection_class_embeddings_input_dim", null),
        new("resnet_out_scale_factor", 1.0),
        new("resnet_skip_time_act", false),
        new("resnet_time_scale_shift", "default"),
        new("reverse_transformer_layers_per_block", null),
        new("sample_size", SampleSize),
        new("time_cond_proj_dim", null),
        new("time_embedding_act_fn", null),
        new("time_embedding_dim", null),
        new("time_embedding_type", "positional"),
        new("timestep_post_act", null),
        new("transformer_layers_per_block", 1),
        new("up_block_types", UpBlockTypes),
        new("upcast_attention", false),
        new("use_linear_projection", UseLinearProjection),
    ];

    private static bool Cross(string type, string crossName, string plainName) =>
        type == crossName ? true
        : type == plainName ? false
        : throw new NotSupportedException($"block type {type} is not supported (only {crossName}, {plainName})");
}
