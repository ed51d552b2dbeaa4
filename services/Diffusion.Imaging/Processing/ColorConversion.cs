namespace Diffusion.Imaging;

/// <summary>Channel-layout conversions with PIL's <c>Image.convert</c> semantics (no alpha
/// compositing: alpha is dropped, not blended).</summary>
public static class ColorConversion
{
    /// <summary>PIL <c>convert("RGB")</c>: L/LA replicate the gray value, RGBA and LA drop alpha.
    /// Returns <paramref name="image"/> itself when it is already RGB, else a new image.</summary>
    public static Image ToRgb(Image image)
    {
        ArgumentNullException.ThrowIfNull(image);
        if (image.Channels == 3)
            return image;
        var src = image.Pixels;
        int ch = image.Channels, n = image.Width * image.Height;
        var dst = new byte[n * 3];
        for (int i = 0; i < n; i++)
        {
            int s = i * ch, d = i * 3;
            if (ch <= 2)
            {
                byte g = src[s];
                dst[d] = g; dst[d + 1] = g; dst[d + 2] = g;
            }
            else
            {
                dst[d] = src[s]; dst[d + 1] = src[s + 1]; dst[d + 2] = src[s + 2];
            }
        }
        return new Image(image.Width, image.Height, 3, dst);
    }

    /// <summary>PIL <c>convert("L")</c>: LA keeps the gray channel; RGB and RGBA use ITU-R 601-2 luma
    /// (documented as L = R*299/1000 + G*587/1000 + B*114/1000) in PIL's 16-bit fixed point with
    /// rounding, see <see cref="Luma"/>. Returns <paramref name="image"/> itself when it is already L.</summary>
    public static Image ToGray(Image image)
    {
        ArgumentNullException.ThrowIfNull(image);
        if (image.Channels == 1)
            return image;
        var src = image.Pixels;
        int ch = image.Channels, n = image.Width * image.Height;
        var dst = new byte[n];
        for (int i = 0; i < n; i++)
        {
            int s = i * ch;
            dst[i] = ch == 2 ? src[s] : Luma(src[s], src[s + 1], src[s + 2]);
        }
        return new Image(image.Width, image.Height, 1, dst);
    }

    /// <summary>Pillow Convert.c <c>L24</c>: (R*19595 + G*38470 + B*7471 + 0x8000) >> 16. The weights
    /// are 0.299/0.587/0.114 scaled by 65536; unlike the integer formula in PIL's documentation,
    /// the code rounds (e.g. (1, 2, 3) -> 2, not 1), and it is the code we must match.</summary>
    public static byte Luma(byte r, byte g, byte b) => (byte)((r * 19595 + g * 38470 + b * 7471 + 0x8000) >> 16);
}
