namespace Diffusion.Imaging.Tests;

/// <summary>Random PNG sample data of any color type / bit depth and the 8-bit pixels the decoder
/// must produce from it (computed here from the PNG spec, not by the decoder's code).</summary>
internal sealed record SampleImage(int Width, int Height, int Depth, int ColorType, int[] Samples, byte[]? Plte, byte[]? Trns)
{
    public static readonly (int ColorType, int Depth)[] AllValidFormats =
    [
        (0, 1), (0, 2), (0, 4), (0, 8), (0, 16),
        (2, 8), (2, 16),
        (3, 1), (3, 2), (3, 4), (3, 8),
        (4, 8), (4, 16),
        (6, 8), (6, 16),
    ];

    public static SampleImage Random(int width, int height, int colorType, int depth, int seed, bool withTrns = false)
    {
        var rng = new Random(seed);
        int spp = RawPng.SamplesPerPixel(colorType);
        byte[]? plte = null, trns = null;
        int max = (1 << depth) - 1;
        if (colorType == 3)
        {
            int entries = Math.Min(1 << depth, 1 + rng.Next(256));
            plte = new byte[entries * 3];
            rng.NextBytes(plte);
            max = entries - 1;
            if (withTrns)
            {
                trns = new byte[Math.Max(1, entries / 2)]; // shorter than PLTE: the rest is opaque
                rng.NextBytes(trns);
            }
        }
        var samples = new int[width * height * spp];
        for (int i = 0; i < samples.Length; i++)
            samples[i] = rng.Next(max + 1);
        return new SampleImage(width, height, depth, colorType, samples, plte, trns);
    }

    public int OutputChannels => ColorType switch { 0 => 1, 4 => 2, 2 => 3, 6 => 4, _ => Trns is null ? 3 : 4 };

    /// <summary>PNG spec 13.12 style scaling to 8 bits: sub-byte gray v * 255 / (2^d - 1),
    /// 16 bits -> high byte, palette -> PLTE color (+ tRNS alpha, 255 where missing).</summary>
    public byte[] Expected8Bit()
    {
        int ch = OutputChannels, n = Width * Height;
        var o = new byte[n * ch];
        if (ColorType == 3)
        {
            for (int i = 0; i < n; i++)
            {
                int idx = Samples[i];
                for (int c = 0; c < 3; c++) o[i * ch + c] = Plte![idx * 3 + c];
                if (ch == 4) o[i * ch + 3] = idx < Trns!.Length ? Trns[idx] : (byte)255;
            }
            return o;
        }
        for (int i = 0; i < Samples.Length; i++)
        {
            int v = Samples[i];
            o[i] = Depth switch { 16 => (byte)(v >> 8), 8 => (byte)v, _ => (byte)(v * 255 / ((1 << Depth) - 1)) };
        }
        return o;
    }

    public byte[] ToPng(bool interlaced, Func<int, int> filterForRow, int idatSize = 1 << 20) =>
        RawPng.Build(Width, Height, Depth, ColorType, Samples, interlaced, filterForRow, Plte, Trns, idatSize);
}
