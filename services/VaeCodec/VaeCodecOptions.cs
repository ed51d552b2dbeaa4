namespace Diffusion.VaeCodec;

/// <summary>Options of the VAE codec, from the configuration section <c>Diffusion:VaeCodec</c>.</summary>
public sealed class VaeCodecOptions
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "Diffusion:VaeCodec";

    /// <summary><c>AutoTileAboveLatentSize</c>: a Decode or Encode whose latent height or width exceeds
    /// this is run tiled even when the request did not ask (the contract's "0 = automatic"): a whole
    /// 2048 px decode needs tens of GB of activations. 0 never tiles automatically. Default 128
    /// (1024 px), so every size diffusers decodes whole by default stays bit-comparable.</summary>
    public int AutoTileAboveLatentSize { get; set; } = 128;

    /// <exception cref="InvalidOperationException">A value is negative (names the key).</exception>
    public void Validate()
    {
        if (AutoTileAboveLatentSize < 0)
            throw new InvalidOperationException($"Configuration {SectionName}:AutoTileAboveLatentSize: {AutoTileAboveLatentSize} is negative.");
    }

    /// <summary>Whether a latent of <paramref name="height"/> x <paramref name="width"/> is coded tiled.</summary>
    public bool Tiled(bool requested, long height, long width) =>
        requested || (AutoTileAboveLatentSize > 0 && (height > AutoTileAboveLatentSize || width > AutoTileAboveLatentSize));
}
