namespace Diffusion.Imaging;

/// <summary>Image &lt;-&gt; tensor conversions of diffusers' <c>VaeImageProcessor</c> (0.27) for images
/// already at the model's size. Tensors are dense float32 arrays: NCHW in [-1, 1] on the model
/// side, NHWC in [0, 1] for <c>output_type="np"</c> results.</summary>
public static class VaeImageProcessor
{
    /// <summary>diffusers <c>preprocess</c> for one image: <c>convert("RGB")</c> (as
    /// <c>diffusers.utils.load_image</c> does; alpha dropped), <c>pil_to_numpy</c> (x / 255 in
    /// float32), <c>normalize</c> (2x - 1).</summary>
    /// <returns>A new [1, 3, H, W] tensor in [-1, 1].</returns>
    public static float[] Preprocess(Image image) => Preprocess([image]);

    /// <summary><see cref="Preprocess(Image)"/> for a batch of equally sized images.</summary>
    /// <returns>A new [B, 3, H, W] tensor in [-1, 1].</returns>
    public static float[] Preprocess(IReadOnlyList<Image> images)
    {
        ArgumentNullException.ThrowIfNull(images);
        if (images.Count == 0)
            throw new ArgumentException("at least one image is required", nameof(images));
        int h = images[0].Height, w = images[0].Width, plane = h * w;
        var result = new float[images.Count * 3 * plane];
        for (int b = 0; b < images.Count; b++)
        {
            var rgb = ColorConversion.ToRgb(images[b]);
            if (rgb.Height != h || rgb.Width != w)
                throw new ArgumentException($"image {b} is {rgb.Width}x{rgb.Height}, image 0 is {w}x{h}: a batch needs one size", nameof(images));
            var px = rgb.Pixels;
            int baseIndex = b * 3 * plane;
            for (int i = 0; i < plane; i++)
            {
                for (int c = 0; c < 3; c++)
                    result[baseIndex + c * plane + i] = Normalize(px[i * 3 + c]);
            }
        }
        return result;
    }

    /// <summary>One 8-bit sample to [-1, 1] with numpy's float32 operation order:
    /// <c>2.0 * (x / 255.0) - 1.0</c>, each step rounded to float32.</summary>
    public static float Normalize(byte value)
    {
        float unit = value / 255f;
        return 2f * unit - 1f;
    }

    /// <summary>diffusers <c>postprocess(output_type="np")</c>: <c>denormalize</c>
    /// (<c>(x / 2 + 0.5).clamp(0, 1)</c>) then <c>pt_to_numpy</c> (NCHW -> NHWC).</summary>
    /// <param name="nchw">[B, C, H, W] decoder output, roughly in [-1, 1]; read only.</param>
    /// <returns>A new [B, H, W, C] tensor in [0, 1] (NaN stays NaN, as torch's clamp keeps it).</returns>
    public static float[] Postprocess(ReadOnlySpan<float> nchw, int batch, int channels, int height, int width)
    {
        long plane = CheckShape(nchw.Length, batch, channels, height, width);
        var nhwc = new float[nchw.Length];
        for (int b = 0; b < batch; b++)
        {
            long bBase = b * channels * plane;
            for (int c = 0; c < channels; c++)
            {
                var src = nchw.Slice((int)(bBase + c * plane), (int)plane);
                for (int i = 0; i < src.Length; i++)
                    nhwc[bBase + i * channels + c] = Denormalize(src[i]);
            }
        }
        return nhwc;
    }

    /// <summary>diffusers <c>denormalize</c> of one value: <c>(x / 2 + 0.5).clamp(0, 1)</c> in float32.</summary>
    public static float Denormalize(float value)
    {
        float v = value / 2f + 0.5f;
        return v < 0f ? 0f : v > 1f ? 1f : v; // NaN compares false both ways and passes through, like torch.clamp
    }

    /// <summary>diffusers <c>numpy_to_pil</c>: <c>(images * 255).round().astype("uint8")</c> with
    /// numpy's round-half-to-even on the float32 product. Inputs are clamped to [0, 1] first (the
    /// pipeline's postprocess already did; NaN becomes 0).</summary>
    /// <returns>A new byte array of the same length and layout.</returns>
    public static byte[] Quantize(ReadOnlySpan<float> values01)
    {
        var bytes = new byte[values01.Length];
        for (int i = 0; i < values01.Length; i++)
            bytes[i] = Quantize(values01[i]);
        return bytes;
    }

    /// <summary>One value of <see cref="Quantize(ReadOnlySpan{float})"/>.</summary>
    public static byte Quantize(float value01)
    {
        float v = float.IsNaN(value01) ? 0f : Math.Clamp(value01, 0f, 1f);
        return (byte)MathF.Round(v * 255f, MidpointRounding.ToEven);
    }

    /// <summary>Quantizes an NHWC batch in [0, 1] into one image per batch entry
    /// (C = 1 gives L images, 3 RGB, 4 RGBA), as <c>numpy_to_pil</c> does.</summary>
    public static Image[] ToImages(ReadOnlySpan<float> nhwc01, int batch, int height, int width, int channels)
    {
        long plane = CheckShape(nhwc01.Length, batch, channels, height, width);
        if (channels is < 1 or > 4)
            throw new ArgumentOutOfRangeException(nameof(channels), channels, "1, 2, 3 or 4 channels");
        int perImage = (int)(plane * channels);
        var images = new Image[batch];
        for (int b = 0; b < batch; b++)
            images[b] = new Image(width, height, channels, Quantize(nhwc01.Slice(b * perImage, perImage)));
        return images;
    }

    /// <summary><see cref="Postprocess"/> then <see cref="ToImages"/>: VAE decoder output
    /// [B, C, H, W] in [-1, 1] to 8-bit images, exactly as diffusers produces its PIL images.</summary>
    public static Image[] PostprocessToImages(ReadOnlySpan<float> nchw, int batch, int channels, int height, int width) =>
        ToImages(Postprocess(nchw, batch, channels, height, width), batch, height, width, channels);

    internal static long CheckShape(int length, int batch, int channels, int height, int width)
    {
        if (batch < 1 || channels < 1 || height < 1 || width < 1)
            throw new ArgumentOutOfRangeException(nameof(batch), $"shape [{batch}, {channels}, {height}, {width}] has a non-positive dimension");
        long plane = (long)height * width;
        if ((long)batch * channels * plane != length)
            throw new ArgumentException($"tensor has {length} elements but shape {batch}x{channels}x{height}x{width} needs {(long)batch * channels * plane}");
        return plane;
    }
}
