namespace Diffusion.Imaging.Tests;

/// <summary>Deterministic test pictures.</summary>
internal static class TestImages
{
    /// <summary>Smooth diagonal ramps per channel plus seeded noise of +-1: like a photo, the filters matter.</summary>
    public static Image Gradient(int width, int height, int channels, int seed)
    {
        var rng = new Random(seed);
        var px = new byte[width * height * channels];
        for (int y = 0; y < height; y++)
            for (int x = 0; x < width; x++)
                for (int c = 0; c < channels; c++)
                    px[(y * width + x) * channels + c] = (byte)Math.Clamp((x * 3 + y * (c + 1) * 2 + c * 40) % 256 + rng.Next(-1, 2), 0, 255);
        return new Image(width, height, channels, px);
    }

    /// <summary>RGB bands of flat rows, horizontal ramps, vertical ramps and noise.</summary>
    public static Image Mixed(int width, int height)
    {
        var rng = new Random(5);
        var px = new byte[width * height * 3];
        for (int y = 0; y < height; y++)
            for (int x = 0; x < width; x++)
                for (int c = 0; c < 3; c++)
                {
                    int band = y * 4 / height;
                    px[(y * width + x) * 3 + c] = band switch
                    {
                        0 => (byte)(y * 37 + c * 11),
                        1 => (byte)(x * 5 + c),
                        2 => (byte)(x * 7 + y * 13 + c * 50),
                        _ => (byte)rng.Next(256),
                    };
                }
        return new Image(width, height, 3, px);
    }
}
