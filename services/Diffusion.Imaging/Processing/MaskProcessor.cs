namespace Diffusion.Imaging;

/// <summary>Inpainting masks as diffusers' mask processor prepares them
/// (<c>VaeImageProcessor(do_normalize=False, do_binarize=True, do_convert_grayscale=True)</c>):
/// 1 = repaint, 0 = keep.</summary>
public static class MaskProcessor
{
    /// <summary><c>mask_processor.preprocess</c> for one mask: <c>convert("L")</c> (RGB masks by
    /// PIL's luma), x / 255 in float32, then <see cref="Binarize"/>.</summary>
    /// <returns>A new [1, 1, H, W] tensor of 0s and 1s.</returns>
    public static float[] Preprocess(Image mask) => Preprocess([mask]);

    /// <summary><see cref="Preprocess(Image)"/> for equally sized masks: [B, 1, H, W].</summary>
    public static float[] Preprocess(IReadOnlyList<Image> masks)
    {
        ArgumentNullException.ThrowIfNull(masks);
        if (masks.Count == 0)
            throw new ArgumentException("at least one mask is required", nameof(masks));
        int h = masks[0].Height, w = masks[0].Width, plane = h * w;
        var result = new float[masks.Count * plane];
        for (int b = 0; b < masks.Count; b++)
        {
            var gray = ColorConversion.ToGray(masks[b]);
            if (gray.Height != h || gray.Width != w)
                throw new ArgumentException($"mask {b} is {gray.Width}x{gray.Height}, mask 0 is {w}x{h}: a batch needs one size", nameof(masks));
            var span = result.AsSpan(b * plane, plane);
            for (int i = 0; i < plane; i++)
                span[i] = gray.Pixels[i] / 255f;
            Binarize(span);
        }
        return result;
    }

    /// <summary>diffusers <c>VaeImageProcessor.binarize</c>: <c>mask[mask &lt; 0.5] = 0;
    /// mask[mask &gt;= 0.5] = 1</c>, in place (8-bit masks: 128 and above become 1).</summary>
    public static void Binarize(Span<float> mask)
    {
        for (int i = 0; i < mask.Length; i++)
            mask[i] = mask[i] < 0.5f ? 0f : 1f;
    }

    /// <summary>The mask at latent resolution, as the inpaint pipeline's
    /// <c>F.interpolate(mask, size=(h, w))</c> computes it (mode "nearest").</summary>
    /// <param name="mask">[B, 1, H, W] from <see cref="Preprocess(Image)"/>.</param>
    /// <returns>A new [B, 1, latentHeight, latentWidth] tensor.</returns>
    public static float[] ToLatentSize(ReadOnlySpan<float> mask, int batch, int height, int width, int latentHeight, int latentWidth) =>
        NearestInterpolation.Resize(mask, batch, 1, height, width, latentHeight, latentWidth);
}
