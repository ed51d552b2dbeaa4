namespace Diffusion.Imaging;

/// <summary>The Adam7 interlacing pattern (PNG spec 8.2): seven passes, each a sub-image of every
/// dx-th pixel of every dy-th row starting at (x0, y0).</summary>
internal static class Adam7
{
    public const int PassCount = 7;

    private static ReadOnlySpan<byte> StartX => [0, 4, 0, 2, 0, 1, 0];
    private static ReadOnlySpan<byte> StartY => [0, 0, 4, 0, 2, 0, 1];
    private static ReadOnlySpan<byte> StepX => [8, 8, 4, 4, 2, 2, 1];
    private static ReadOnlySpan<byte> StepY => [8, 8, 8, 4, 4, 2, 2];

    public static (int X0, int Y0, int Dx, int Dy) Pass(int pass) => (StartX[pass], StartY[pass], StepX[pass], StepY[pass]);

    /// <summary>The pass's sub-image size; either may be 0 for small images.</summary>
    public static (int Width, int Height) PassSize(int pass, int width, int height)
    {
        var (x0, y0, dx, dy) = Pass(pass);
        int w = width > x0 ? (int)(((long)width - x0 + dx - 1) / dx) : 0;
        int h = height > y0 ? (int)(((long)height - y0 + dy - 1) / dy) : 0;
        return (w, h);
    }
}
