namespace Diffusion.Imaging;

/// <summary>How <see cref="PngEncoder"/> filters scanlines before deflate (PNG spec 9.2).</summary>
public enum PngFilterMode
{
    /// <summary>Per row, the filter whose output has the minimum sum of absolute (signed byte)
    /// values: libpng's default heuristic for 8-bit images (PNG spec 12.8).</summary>
    Adaptive = -1,

    /// <summary>Every row unfiltered (type 0).</summary>
    None = 0,

    /// <summary>Every row minus the pixel to the left (type 1).</summary>
    Sub = 1,

    /// <summary>Every row minus the row above (type 2).</summary>
    Up = 2,

    /// <summary>Every row minus the floor-mean of left and above (type 3).</summary>
    Average = 3,

    /// <summary>Every row minus the Paeth predictor of left, above and upper-left (type 4).</summary>
    Paeth = 4,
}
