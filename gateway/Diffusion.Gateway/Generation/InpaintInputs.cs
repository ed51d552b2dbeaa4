using Diffusion.Contracts;
using Diffusion.Contracts.V1;
using Diffusion.Imaging;

namespace Diffusion.Gateway.Generation;

/// <summary>
/// The inpainting inputs the gateway computes itself, as diffusers' StableDiffusionInpaintPipeline
/// (0.27) does: <c>mask_processor.preprocess</c> (grayscale, /255, binarize at 0.5), the
/// latent-size mask by <c>F.interpolate(mode="nearest")</c>, and <c>masked_image =
/// init_image * (mask &lt; 0.5)</c>.
/// </summary>
internal static class InpaintInputs
{
    /// <summary>The mask at latent size, repeated per image: [N, 1, h, w] F32 of 0 and 1 (1 = repaint).</summary>
    public static Tensor LatentMask(Image mask, int latentHeight, int latentWidth, int count)
    {
        var pixels = MaskProcessor.Preprocess(mask); // [1, 1, H, W]
        var latent = MaskProcessor.ToLatentSize(pixels, 1, mask.Height, mask.Width, latentHeight, latentWidth);
        return TensorBatch.Repeat(Tensors.FromFloats(latent, 1, 1, latentHeight, latentWidth), count);
    }

    /// <summary>The masked init image for the VAE: [1, 3, H, W] F32 in [-1, 1], zero where the mask repaints.</summary>
    public static Tensor MaskedImage(Image initImage, Image mask)
    {
        var image = VaeImageProcessor.Preprocess(initImage); // [1, 3, H, W] in [-1, 1]
        var binary = MaskProcessor.Preprocess(mask); // [1, 1, H, W] of 0 and 1
        int plane = initImage.Width * initImage.Height;
        for (int c = 0; c < 3; c++)
        {
            var channel = image.AsSpan(c * plane, plane);
            // A real multiplication, as torch does (-1 * 0 = -0), not an assignment of 0.
            for (int i = 0; i < plane; i++)
                channel[i] *= binary[i] < 0.5f ? 1f : 0f;
        }
        return Tensors.FromFloats(image, 1, 3, initImage.Height, initImage.Width);
    }
}
