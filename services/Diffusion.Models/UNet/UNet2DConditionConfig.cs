namespace Diffusion.Models.UNet;

/// <summary>The subset of diffusers' <c>UNet2DConditionModel</c> config that Stable Diffusion 1.x/2.x
/// checkpoints use. Per-block options are already expanded to one entry per down block (the up blocks
/// use them reversed, as diffusers does). <see cref="Load"/> rejects every option outside this subset,
/// naming the option and its value.</summary>
public sealed record UNet2DConditionConfig
{
    /// <summary>Channels of the input latents (4 for text-to-image, 9 for inpainting).</summary>
    public int InChannels { get; init; } = 4;

    /// <summary>Channels of the prediction.</summary>
    public int OutChannels { get; init; } = 4;

    /// <summary>Nominal latent height/width (informational: any size divisible by 2^(blocks-1) works).</summary>
    public int SampleSize { get; init; } = 64;

    /// <summary>Whether the input is mapped <c>2x - 1</c> first (diffusers <c>center_input_sample</c>).</summary>
    public bool CenterInputSample { get; init; }

    /// <summary>Sinusoidal embedding layout: [cos | sin] when true, [sin | cos] otherwise.</summary>
    public bool FlipSinToCos { get; init; } = true;

    /// <summary>The sinusoidal frequency denominator shift (<c>freq_shift</c>).</summary>
    public int FreqShift { get; init; }

    /// <summary>Down block class names (CrossAttnDownBlock2D / DownBlock2D).</summary>
    public IReadOnlyList<string> DownBlockTypes { get; init; } = ["CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "DownBlock2D"];

    /// <summary>Up block class names (UpBlock2D / CrossAttnUpBlock2D).</summary>
    public IReadOnlyList<string> UpBlockTypes { get; init; } = ["UpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D"];

    /// <summary>Output channels of each down block.</summary>
    public IReadOnlyList<int> BlockOutChannels { get; init; } = [320, 640, 1280, 1280];

    /// <summary>Resnets per down block (up blocks have one more), per down block.</summary>
    public IReadOnlyList<int> LayersPerBlock { get; init; } = [2, 2, 2, 2];

    /// <summary>Transformer blocks inside each Transformer2DModel, per down block.</summary>
    public IReadOnlyList<int> TransformerLayersPerBlock { get; init; } = [1, 1, 1, 1];

    /// <summary>Padding of the down-sampling convolutions (0 means pad right/bottom by one first).</summary>
    public int DownsamplePadding { get; init; } = 1;

    /// <summary>Scale dividing the mid block's resnet outputs.</summary>
    public double MidBlockScaleFactor { get; init; } = 1;

    /// <summary>GroupNorm groups of every resnet and transformer input norm.</summary>
    public int NormNumGroups { get; init; } = 32;

    /// <summary>GroupNorm epsilon of the resnets and of <c>conv_norm_out</c>.</summary>
    public double NormEps { get; init; } = 1e-5;

    /// <summary>Width of the text conditioning (768 for SD1.x, 1024 for SD2.x), per down block.</summary>
    public IReadOnlyList<int> CrossAttentionDim { get; init; } = [768, 768, 768, 768];

    /// <summary>Number of attention HEADS per down block. diffusers' config key <c>attention_head_dim</c>
    /// actually holds this (<c>num_attention_heads = num_attention_heads or attention_head_dim</c>).</summary>
    public IReadOnlyList<int> NumAttentionHeads { get; init; } = [8, 8, 8, 8];

    /// <summary>True: Transformer2DModel proj_in/proj_out are Linear after flattening (SD2.x); false: 1x1 convs.</summary>
    public bool UseLinearProjection { get; init; }

    /// <summary>Width of the time embedding (default 4 × BlockOutChannels[0]).</summary>
    public int TimeEmbeddingDim => TimeEmbeddingDimOverride ?? 4 * BlockOutChannels[0];

    /// <summary><c>time_embedding_dim</c> when the config sets it.</summary>
    public int? TimeEmbeddingDimOverride { get; init; }

    /// <summary>Reads and validates a diffusers <c>unet/config.json</c>.</summary>
    /// <exception cref="Loading.ModelLoadException">Missing/malformed file or an unsupported option (named with its value).</exception>
    public static UNet2DConditionConfig Load(string configJsonPath)
    {
        var r = ConfigReader.Open(configJsonPath);
        var cls = r.String("_class_name");
        if (cls is not null && cls != "UNet2DConditionModel") throw r.Unsupported("_class_name", $"\"{cls}\"");

        var down = r.Strings("down_block_types") ?? new UNet2DConditionConfig().DownBlockTypes.ToArray();
        var up = r.Strings("up_block_types") ?? new UNet2DConditionConfig().UpBlockTypes.ToArray();
        var n = down.Length;
        foreach (var t in down)
            if (t is not ("CrossAttnDownBlock2D" or "DownBlock2D")) throw r.Unsupported("down_block_types", r.Raw("down_block_types"), $"block type {t}");
        foreach (var t in up)
            if (t is not ("CrossAttnUpBlock2D" or "UpBlock2D")) throw r.Unsupported("up_block_types", r.Raw("up_block_types"), $"block type {t}");
        if (up.Length != n) throw r.Unsupported("up_block_types", r.Raw("up_block_types"), "must have as many entries as down_block_types");
        var channels = r.Ints("block_out_channels") ?? [320, 640, 1280, 1280];
        if (channels.Length != n) throw r.Unsupported("block_out_channels", r.Raw("block_out_channels"), $"expected {n} entries");

        // An explicit null means "no mid block" in diffusers; SD checkpoints always have one.
        if (r.IsExplicitNull("mid_block_type")) throw r.Unsupported("mid_block_type", "null");
        var mid = r.String("mid_block_type") ?? "UNetMidBlock2DCrossAttn";
        if (mid != "UNetMidBlock2DCrossAttn") throw r.Unsupported("mid_block_type", r.Raw("mid_block_type"));
        Expect(r, "act_fn", "silu");
        Expect(r, "time_embedding_type", "positional");
        Expect(r, "resnet_time_scale_shift", "default");
        Expect(r, "attention_type", "default");
        foreach (var key in new[] { "addition_embed_type", "class_embed_type", "num_class_embeds", "encoder_hid_dim",
                     "encoder_hid_dim_type", "time_cond_proj_dim", "timestep_post_act", "time_embedding_act_fn",
                     "cross_attention_norm", "projection_class_embeddings_input_dim", "reverse_transformer_layers_per_block" })
            r.RequireNull(key);
        foreach (var key in new[] { "dual_cross_attention", "resnet_skip_time_act", "class_embeddings_concat" })
            if (r.Bool(key, false)) throw r.Unsupported(key, "true");
        if (r.BoolPerBlock("only_cross_attention", n, false).Any(b => b)) throw r.Unsupported("only_cross_attention", r.Raw("only_cross_attention"));
        if (r.Int("conv_in_kernel", 3) != 3) throw r.Unsupported("conv_in_kernel", r.Raw("conv_in_kernel"));
        if (r.Int("conv_out_kernel", 3) != 3) throw r.Unsupported("conv_out_kernel", r.Raw("conv_out_kernel"));
        if (r.Double("resnet_out_scale_factor", 1.0) != 1.0) throw r.Unsupported("resnet_out_scale_factor", r.Raw("resnet_out_scale_factor"));
        if (r.Has("addition_time_embed_dim")) throw r.Unsupported("addition_time_embed_dim", r.Raw("addition_time_embed_dim"));

        // diffusers 0.27 raises when num_attention_heads is set (the naming issue #2011) and uses
        // num_attention_heads = attention_head_dim: the misnamed key holds the head COUNT in SD configs.
        r.RequireNull("num_attention_heads");
        var heads = r.IntPerBlock("attention_head_dim", n) ?? Enumerable.Repeat(8, n).ToArray();
        var crossDim = r.IntPerBlock("cross_attention_dim", n) ?? Enumerable.Repeat(1280, n).ToArray();
        var config = new UNet2DConditionConfig
        {
            InChannels = r.Int("in_channels", 4),
            OutChannels = r.Int("out_channels", 4),
            SampleSize = r.Int("sample_size", 64),
            CenterInputSample = r.Bool("center_input_sample", false),
            FlipSinToCos = r.Bool("flip_sin_to_cos", true),
            FreqShift = r.Int("freq_shift", 0),
            DownBlockTypes = down,
            UpBlockTypes = up,
            BlockOutChannels = channels,
            LayersPerBlock = r.IntPerBlock("layers_per_block", n) ?? Enumerable.Repeat(2, n).ToArray(),
            TransformerLayersPerBlock = r.IntPerBlock("transformer_layers_per_block", n) ?? Enumerable.Repeat(1, n).ToArray(),
            DownsamplePadding = r.Int("downsample_padding", 1),
            MidBlockScaleFactor = r.Double("mid_block_scale_factor", 1),
            NormNumGroups = r.Int("norm_num_groups", 32),
            NormEps = r.Double("norm_eps", 1e-5),
            CrossAttentionDim = crossDim,
            NumAttentionHeads = heads,
            UseLinearProjection = r.Bool("use_linear_projection", false),
            TimeEmbeddingDimOverride = r.IntOrNull("time_embedding_dim"),
        };
        for (var i = 0; i < n; i++)
        {
            if (channels[i] % heads[i] != 0)
                throw r.Unsupported("attention_head_dim", r.Raw("attention_head_dim"), $"{channels[i]} channels are not divisible into {heads[i]} heads");
            if (channels[i] % config.NormNumGroups != 0)
                throw r.Unsupported("norm_num_groups", r.Raw("norm_num_groups"), $"{channels[i]} channels are not divisible into groups");
        }
        return config;
    }

    private static void Expect(ConfigReader r, string key, string supported)
    {
        var value = r.String(key);
        if (value is not null && value != supported) throw r.Unsupported(key, $"\"{value}\"", $"only \"{supported}\" is supported");
    }
}
