using Diffusion.Imaging;

namespace Diffusion.Gateway.Tests.Fakes;

/// <summary>Deterministic numbers for the fakes (no System.Random: values must not depend on its algorithm).</summary>
internal static class FakeData
{
    /// <summary>A value in [-1, 1) from a seed and an index (splitmix64).</summary>
    public static float Noise(long seed, long index)
    {
        ulong z = unchecked((ulong)seed * 0x9E3779B97F4A7C15UL + (ulong)index * 0xBF58476D1CE4E5B9UL + 0x94D049BB133111EBUL);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        z ^= z >> 31;
        return (float)((z >> 40) / (double)(1UL << 24) * 2.0 - 1.0);
    }

    public static float[] NoiseArray(long seed, int length)
    {
        var values = new float[length];
        for (int i = 0; i < length; i++)
            values[i] = Noise(seed, i);
        return values;
    }

    /// <summary>A stable 64-bit hash of a string (FNV-1a).</summary>
    public static long Hash(string text)
    {
        ulong h = 14695981039346656037UL;
        foreach (char c in text)
            h = (h ^ c) * 1099511628211UL;
        return unchecked((long)h);
    }

    /// <summary>An RGB PNG with a gradient, <paramref name="width"/> x <paramref name="height"/>.</summary>
    public static byte[] Png(int width, int height, int channels = 3)
    {
        var pixels = new byte[width * height * channels];
        for (int y = 0; y < height; y++)
            for (int x = 0; x < width; x++)
                for (int c = 0; c < channels; c++)
                    pixels[(y * width + x) * channels + c] = (byte)((x * 7 + y * 13 + c * 50) % 256);
        return PngEncoder.Encode(pixels, width, height, channels);
    }

    /// <summary>A gray mask PNG: white (repaint) on the right half, black on the left.</summary>
    public static byte[] MaskPng(int width, int height)
    {
        var pixels = new byte[width * height];
        for (int y = 0; y < height; y++)
            for (int x = 0; x < width; x++)
                pixels[y * width + x] = x >= width / 2 ? (byte)255 : (byte)0;
        return PngEncoder.Encode(pixels, width, height, 1);
    }
}
