using Diffusion.Contracts;
using Diffusion.Contracts.V1;
using Diffusion.Hosting;
using Diffusion.Imaging;
using Diffusion.Pipelines.Models;

namespace Diffusion.VaeCodec;

/// <summary>The images of an Encode request (PNG files, raw U8 NHWC or raw float NCHW in [-1, 1])
/// to the VAE's input, diffusers' <c>VaeImageProcessor.preprocess</c>: every failure is an
/// <see cref="ArgumentException"/> naming the field.</summary>
internal static class ImageInputs
{
    /// <summary>The images as [B, 3, H, W] in [-1, 1], checked against the limits and the downscale factor.</summary>
    public static (float[] Pixels, long[] Shape) Read(EncodeImageRequest request, VaeInfo info, RequestLimits max)
    {
        int maxSide = max.MaxLatentSize * info.DownscaleFactor;
        bool hasPng = request.Png.Count > 0, hasRaw = request.Raw is not null;
        if (hasPng == hasRaw)
            throw new ArgumentException(hasPng ? "png: give either png or raw, not both" : "png: an image is required (png or raw)");
        float[] pixels;
        int batch, height, width;
        if (hasPng)
        {
            if (request.Png.Count > max.MaxImages)
                throw new ArgumentException($"png: {request.Png.Count} images, over the limit of {max.MaxImages}");
            var decodeLimits = new PngDecodeLimits(maxSide, maxSide, (long)maxSide * maxSide);
            var images = new List<Image>(request.Png.Count);
            for (int i = 0; i < request.Png.Count; i++)
            {
                try
                {
                    images.Add(PngDecoder.Decode(request.Png[i].Span, decodeLimits));
                }
                catch (ImageFormatException e)
                {
                    throw new ArgumentException($"png[{i}]: {e.Message}");
                }
                if (images[i].Width != images[0].Width || images[i].Height != images[0].Height)
                    throw new ArgumentException($"png[{i}]: is {images[i].Width}x{images[i].Height} but png[0] is {images[0].Width}x{images[0].Height}; a batch needs one size");
            }
            (batch, height, width) = (images.Count, images[0].Height, images[0].Width);
            CheckSize(height, width, info.DownscaleFactor, maxSide, "png");
            pixels = VaeImageProcessor.Preprocess(images);
        }
        else
        {
            var raw = request.Raw!;
            TensorValidation.Validate(raw, "raw", null, 4, [DType.U8, DType.F32, DType.F16, DType.Bf16]);
            var shape = Tensors.Shape(raw);
            if (shape[0] < 1 || shape[0] > max.MaxImages)
                throw new TensorValidationException("raw", $"holds {shape[0]} images; 1 to {max.MaxImages} are accepted");
            if (raw.Dtype == DType.U8)
            {
                if (shape[3] != 3)
                    throw new TensorValidationException("raw", $"U8 images must be [B, H, W, 3], got {TensorValidation.FormatShape(raw)}");
                (batch, height, width) = ((int)shape[0], (int)shape[1], (int)shape[2]);
                CheckSize(height, width, info.DownscaleFactor, maxSide, "raw");
                int perImage = height * width * 3;
                var bytes = raw.Data.Span;
                var images = new List<Image>(batch);
                for (int b = 0; b < batch; b++)
                    images.Add(new Image(width, height, 3, bytes.Slice(b * perImage, perImage).ToArray()));
                pixels = VaeImageProcessor.Preprocess(images);
            }
            else
            {
                if (shape[1] != 3)
                    throw new TensorValidationException("raw", $"float images must be [B, 3, H, W], got {TensorValidation.FormatShape(raw)}");
                (batch, height, width) = ((int)shape[0], (int)shape[2], (int)shape[3]);
                CheckSize(height, width, info.DownscaleFactor, maxSide, "raw");
                (pixels, _) = RequestTensors.ReadFloats(raw, "raw", 4);
                foreach (var v in pixels)
                {
                    if (v < -1f || v > 1f)
                        throw new TensorValidationException("raw", $"value {v} is outside [-1, 1]");
                }
            }
        }
        return (pixels, [batch, 3, height, width]);
    }

    private static void CheckSize(int height, int width, int factor, int maxSide, string field)
    {
        if (height < 1 || width < 1 || height > maxSide || width > maxSide)
            throw new ArgumentException($"{field}: {width}x{height} is outside 1..{maxSide} pixels per side");
        if (height % factor != 0 || width % factor != 0)
            throw new ArgumentException($"{field}: {width}x{height} is not a multiple of the VAE's downscale factor {factor}");
    }
}
