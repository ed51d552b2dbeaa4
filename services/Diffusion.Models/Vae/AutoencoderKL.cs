using Diffusion.Models.Loading;
using Diffusion.Models.UNet;
using Diffusion.Torch;
using Diffusion.Torch.Nn;

namespace Diffusion.Models.Vae;

/// <summary>diffusers <c>AutoencoderKL</c>: <see cref="Encoder"/> + <c>quant_conv</c> giving the diagonal
/// Gaussian moments, and <c>post_quant_conv</c> + <see cref="Decoder"/>. Children use diffusers' keys.</summary>
public sealed class AutoencoderKL : Module
{
    private readonly Encoder _encoder;
    private readonly Decoder _decoder;
    private readonly Conv2d _quantConv;
    private readonly Conv2d _postQuantConv;

    /// <summary>Builds the module with zero parameters.</summary>
    public AutoencoderKL(AutoencoderKLConfig config, ScalarType dtype = ScalarType.Float32, Device? device = null)
    {
        ArgumentNullException.ThrowIfNull(config);
        Config = config;
        Dtype = dtype;
        Device = device ?? Device.Cpu;
        var latent = config.LatentChannels;
        _encoder = RegisterModule("encoder", new Encoder(config, dtype, device));
        _decoder = RegisterModule("decoder", new Decoder(config, dtype, device));
        _quantConv = RegisterModule("quant_conv", new Conv2d(2 * latent, 2 * latent, 1, dtype: dtype, device: device));
        _postQuantConv = RegisterModule("post_quant_conv", new Conv2d(latent, latent, 1, dtype: dtype, device: device));
    }

    /// <summary>The configuration (including <see cref="AutoencoderKLConfig.ScalingFactor"/>).</summary>
    public AutoencoderKLConfig Config { get; }

    /// <summary>Parameter dtype chosen at construction.</summary>
    public ScalarType Dtype { get; }

    /// <summary>Parameter device chosen at construction.</summary>
    public Device Device { get; }

    /// <summary>Loads a diffusers <c>vae/</c> folder (config.json + weights chosen by
    /// <see cref="WeightFiles.Resolve"/>, converted to <paramref name="dtype"/>), strictly. Checkpoints with the
    /// deprecated attention names (query/key/value/proj_attn) load through <see cref="DeprecatedAttentionKeys"/>.</summary>
    /// <exception cref="ModelLoadException">Missing/unsupported config or no weights.</exception>
    public static AutoencoderKL Load(string vaeDir, ScalarType dtype = ScalarType.Float32, Device? device = null, string? variant = null)
    {
        ArgumentNullException.ThrowIfNull(vaeDir);
        var config = AutoencoderKLConfig.Load(Path.Combine(vaeDir, "config.json"));
        return UNet2DConditionModel.LoadWeights(new AutoencoderKL(config, dtype, device), WeightFiles.Resolve(vaeDir, variant),
            source => DeprecatedAttentionKeys.Applies(source) ? new DeprecatedAttentionKeys(source) : source);
    }

    /// <summary>A module built from <paramref name="config"/> alone with seeded random parameters.</summary>
    public static AutoencoderKL CreateRandom(AutoencoderKLConfig config, ulong seed, ScalarType dtype = ScalarType.Float32, Device? device = null)
    {
        var model = new AutoencoderKL(config, dtype, device);
        using var generator = new Generator(seed);
        Init.RandomizeParameters(model, generator);
        return model;
    }

    /// <summary>diffusers <c>AutoencoderKL.decode(z).sample</c>.</summary>
    /// <param name="z">[B, latent, h, w] latents ALREADY divided by <see cref="AutoencoderKLConfig.ScalingFactor"/>.</param>
    /// <returns>[B, OutChannels, h·f, w·f] images in about [-1, 1], unclamped; owned by the caller's scope.</returns>
    public Tensor Decode(Tensor z)
    {
        ArgumentNullException.ThrowIfNull(z);
        using var scope = TensorScope.Enter();
        return _decoder.Forward(_postQuantConv.Forward(z)).MoveToOuterScope();
    }

    /// <summary>Decode, optionally tiled like diffusers' <c>enable_tiling()</c>: when <paramref name="tiled"/> and
    /// the latents exceed <see cref="TileLatentSize"/>, overlapping tiles are decoded one at a time (bounded
    /// memory) and blended (<c>tiled_decode</c>); otherwise identical to <see cref="Decode(Tensor)"/>.</summary>
    public Tensor Decode(Tensor z, bool tiled)
    {
        ArgumentNullException.ThrowIfNull(z);
        if (!tiled || (z.Size(2) <= TileLatentSize && z.Size(3) <= TileLatentSize)) return Decode(z);
        return VaeTiling.Apply(z, TileLatentSize, TileSampleSize, Decode);
    }

    /// <summary>Tile size in image pixels (diffusers <c>tile_sample_min_size</c> = config sample_size).</summary>
    public int TileSampleSize => Config.SampleSize;

    /// <summary>Tile size in latents (diffusers <c>tile_latent_min_size</c> = sample_size / 2^(blocks-1)).</summary>
    public int TileLatentSize => (int)(Config.SampleSize / (double)Config.DownscaleFactor);

    /// <summary>The raw moments <c>quant_conv(encoder(x))</c>: [B, 2·latent, H/f, W/f], channels
    /// [0, latent) the mean and [latent, 2·latent) the unclamped log-variance.</summary>
    public Tensor EncodeMoments(Tensor x)
    {
        ArgumentNullException.ThrowIfNull(x);
        using var scope = TensorScope.Enter();
        return _quantConv.Forward(_encoder.Forward(x)).MoveToOuterScope();
    }

    /// <summary>diffusers <c>AutoencoderKL.encode(x).latent_dist</c> (<c>DiagonalGaussianDistribution</c>).</summary>
    /// <param name="x">[B, InChannels, H, W] images in [-1, 1].</param>
    /// <returns>Mean and log-variance clamped to [-30, 20], each [B, latent, H/f, W/f], in the caller's scope.</returns>
    public (Tensor Mean, Tensor LogVar) Encode(Tensor x) => Encode(x, tiled: false);

    /// <summary><see cref="Encode(Tensor)"/>, optionally tiled like diffusers' <c>tiled_encode</c> (when the
    /// image exceeds <see cref="TileSampleSize"/>): the moments of overlapping tiles are blended.</summary>
    public (Tensor Mean, Tensor LogVar) Encode(Tensor x, bool tiled)
    {
        ArgumentNullException.ThrowIfNull(x);
        using var scope = TensorScope.Enter();
        var moments = tiled && (x.Size(2) > TileSampleSize || x.Size(3) > TileSampleSize)
            ? VaeTiling.Apply(x, TileSampleSize, TileLatentSize, EncodeMoments)
            : EncodeMoments(x);
        var parts = moments.Chunk(2, 1);
        var mean = parts[0].Contiguous();
        var logVar = parts[1].Clamp(-30.0, 20.0); // DiagonalGaussianDistribution: torch.clamp(logvar, -30.0, 20.0)
        return (mean.MoveToOuterScope(), logVar.MoveToOuterScope());
    }
}
