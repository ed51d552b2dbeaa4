using Diffusion.Models.UNet;

namespace Diffusion.Models.Vae;

/// <summary>diffusers <c>AutoencoderKL</c> config (the Stable Diffusion subset: DownEncoderBlock2D /
/// UpDecoderBlock2D, SiLU, quant convs). <see cref="Load"/> rejects other options, naming them.</summary>
public sealed record AutoencoderKLConfig
{
    /// <summary>Image channels in.</summary>
    public int InChannels { get; init; } = 3;

    /// <summary>Image channels out.</summary>
    public int OutChannels { get; init; } = 3;

    /// <summary>Latent channels (the encoder produces twice as many: mean and log-variance).</summary>
    public int LatentChannels { get; init; } = 4;

    /// <summary>Channels per encoder block (the decoder uses them reversed).</summary>
    public IReadOnlyList<int> BlockOutChannels { get; init; } = [128, 256, 512, 512];

    /// <summary>Resnets per encoder block (decoder blocks have one more).</summary>
    public int LayersPerBlock { get; init; } = 2;

    /// <summary>GroupNorm groups.</summary>
    public int NormNumGroups { get; init; } = 32;

    /// <summary>Latents are multiplied by this after encoding and divided by it before decoding
    /// (0.18215 for SD1.x/2.x). Read from config.json, never assumed.</summary>
    public double ScalingFactor { get; init; } = 0.18215;

    /// <summary>Nominal image size (informational).</summary>
    public int SampleSize { get; init; } = 512;

    /// <summary>Whether diffusers runs this VAE in float32 even for fp16 pipelines (informational).</summary>
    public bool ForceUpcast { get; init; } = true;

    /// <summary>Image-to-latent downscale: 2^(blocks - 1).</summary>
    public int DownscaleFactor => 1 << (BlockOutChannels.Count - 1);

    /// <summary>Reads and validates a diffusers <c>vae/config.json</c>.</summary>
    /// <exception cref="Loading.ModelLoadException">Missing/malformed file or an unsupported option (named with its value).</exception>
    public static AutoencoderKLConfig Load(string configJsonPath)
    {
        var r = ConfigReader.Open(configJsonPath);
        var cls = r.String("_class_name");
        if (cls is not null && cls != "AutoencoderKL") throw r.Unsupported("_class_name", $"\"{cls}\"");
        var channels = r.Ints("block_out_channels") ?? [64];
        var down = r.Strings("down_block_types") ?? Enumerable.Repeat("DownEncoderBlock2D", channels.Length).ToArray();
        var up = r.Strings("up_block_types") ?? Enumerable.Repeat("UpDecoderBlock2D", channels.Length).ToArray();
        if (down.Length != channels.Length || down.Any(t => t != "DownEncoderBlock2D"))
            throw r.Unsupported("down_block_types", r.Raw("down_block_types"), $"only {channels.Length} x DownEncoderBlock2D is supported");
        if (up.Length != channels.Length || up.Any(t => t != "UpDecoderBlock2D"))
            throw r.Unsupported("up_block_types", r.Raw("up_block_types"), $"only {channels.Length} x UpDecoderBlock2D is supported");
        var act = r.String("act_fn");
        if (act is not null && act != "silu") throw r.Unsupported("act_fn", $"\"{act}\"", "only \"silu\" is supported");
        if (!r.Bool("use_quant_conv", true)) throw r.Unsupported("use_quant_conv", "false");
        if (!r.Bool("use_post_quant_conv", true)) throw r.Unsupported("use_post_quant_conv", "false");
        if (!r.Bool("mid_block_add_attention", true)) throw r.Unsupported("mid_block_add_attention", "false");
        // latents_mean/latents_std (SDXL-style normalization) are not applied by this model: reject rather than ignore.
        r.RequireNull("latents_mean");
        r.RequireNull("latents_std");
        r.RequireNull("shift_factor");
        var config = new AutoencoderKLConfig
        {
            InChannels = r.Int("in_channels", 3),
            OutChannels = r.Int("out_channels", 3),
            LatentChannels = r.Int("latent_channels", 4),
            BlockOutChannels = channels,
            LayersPerBlock = r.Int("layers_per_block", 1),
            NormNumGroups = r.Int("norm_num_groups", 32),
            ScalingFactor = r.Double("scaling_factor", 0.18215),
            SampleSize = r.Int("sample_size", 32),
            ForceUpcast = r.Bool("force_upcast", true),
        };
        foreach (var c in channels)
            if (c % config.NormNumGroups != 0)
                throw r.Unsupported("norm_num_groups", r.Raw("norm_num_groups"), $"{c} channels are not divisible into groups");
        return config;
    }
}
