using Diffusion.Pipelines.Models;

namespace Diffusion.Services.Tests;

/// <summary>
/// A stand-in AutoencoderKL made of fixed linear maps, downscale factor 8, 4 latent channels:
/// decode: pixel(c) = sum_k W[c, k] latent(k) of its 8x8 block + 0.01 (x - y);
/// encode: mean(k) = the block average of sum_c V[k, c] pixel(c); logvar(k) = -2 + 0.5 k.
/// </summary>
internal sealed class StandInVae : IVaeModel
{
    public const int Factor = 8;
    public const int Channels = 4;
    private static readonly float[,] W = { { 0.5f, -0.2f, 0.1f, 0.3f }, { -0.1f, 0.4f, 0.2f, -0.3f }, { 0.2f, 0.1f, -0.5f, 0.2f } };
    private static readonly float[,] V = { { 0.3f, 0.2f, 0.1f }, { -0.2f, 0.4f, 0.1f }, { 0.1f, -0.1f, 0.5f }, { 0.2f, 0.2f, -0.2f } };

    public VaeInfo Info { get; } = new("stand-in-vae", 0.18215, Channels, Factor, "cpu", "f32");
    public List<bool> DecodeTiled { get; } = [];

    public float[] Decode(ReadOnlySpan<float> latents, long[] shape, bool tiled, CancellationToken cancellationToken = default)
    {
        DecodeTiled.Add(tiled);
        int b = (int)shape[0], h = (int)shape[2], w = (int)shape[3];
        int height = h * Factor, width = w * Factor;
        var images = new float[b * 3 * height * width];
        for (int n = 0; n < b; n++)
            for (int c = 0; c < 3; c++)
                for (int y = 0; y < height; y++)
                    for (int x = 0; x < width; x++)
                    {
                        float v = 0.01f * (x - y) / Factor;
                        for (int k = 0; k < Channels; k++)
                            v += W[c, k] * latents[((n * Channels + k) * h + y / Factor) * w + x / Factor];
                        images[((n * 3 + c) * height + y) * width + x] = v;
                    }
        return images;
    }

    public (float[] Mean, float[] LogVar, long[] Shape) Encode(ReadOnlySpan<float> images, long[] shape, bool tiled, CancellationToken cancellationToken = default)
    {
        int b = (int)shape[0], height = (int)shape[2], width = (int)shape[3];
        int h = height / Factor, w = width / Factor;
        var mean = new float[b * Channels * h * w];
        var logVar = new float[mean.Length];
        for (int n = 0; n < b; n++)
            for (int k = 0; k < Channels; k++)
                for (int y = 0; y < h; y++)
                    for (int x = 0; x < w; x++)
                    {
                        float sum = 0;
                        for (int c = 0; c < 3; c++)
                            for (int dy = 0; dy < Factor; dy++)
                                for (int dx = 0; dx < Factor; dx++)
                                    sum += V[k, c] * images[((n * 3 + c) * height + y * Factor + dy) * width + x * Factor + dx];
                        int i = ((n * Channels + k) * h + y) * w + x;
                        mean[i] = sum / (Factor * Factor);
                        logVar[i] = -2f + 0.5f * k;
                    }
        return (mean, logVar, [b, Channels, h, w]);
    }
}
