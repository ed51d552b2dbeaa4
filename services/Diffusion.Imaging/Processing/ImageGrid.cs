namespace Diffusion.Imaging;

/// <summary>Tiles a batch of images into one, as diffusers' <c>make_image_grid</c> does for the CLI's
/// <c>--grid</c>: image i goes to row i / cols, column i % cols.</summary>
public static class ImageGrid
{
    /// <summary>A near-square layout for <paramref name="count"/> images: cols = ceil(sqrt(n)),
    /// rows = ceil(n / cols) (2 -> 1x2, 3 -> 2x2, 4 -> 2x2, 6 -> 2x3).</summary>
    public static (int Rows, int Cols) Layout(int count)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        int cols = (int)Math.Ceiling(Math.Sqrt(count));
        while ((long)cols * cols < count) cols++; // guard against sqrt rounding
        while (cols > 1 && (long)(cols - 1) * (cols - 1) >= count) cols--;
        int rows = (count + cols - 1) / cols;
        return (rows, cols);
    }

    /// <summary>Composes <paramref name="images"/> (same size and channels) into a rows x cols grid.
    /// Cells without an image stay black (transparent with alpha); diffusers requires
    /// exactly rows x cols images, we also accept fewer.</summary>
    /// <returns>A new image of (cols x W) x (rows x H) pixels.</returns>
    public static Image Compose(IReadOnlyList<Image> images, int rows, int cols)
    {
        ArgumentNullException.ThrowIfNull(images);
        ArgumentOutOfRangeException.ThrowIfLessThan(rows, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(cols, 1);
        if (images.Count == 0 || images.Count > (long)rows * cols)
            throw new ArgumentException($"{images.Count} images do not fit a {rows}x{cols} grid (need 1..{(long)rows * cols})", nameof(images));
        var first = images[0];
        for (int i = 1; i < images.Count; i++)
        {
            var im = images[i];
            if (im.Width != first.Width || im.Height != first.Height || im.Channels != first.Channels)
                throw new ArgumentException(
                    $"image {i} is {im.Width}x{im.Height}x{im.Channels}, image 0 is {first.Width}x{first.Height}x{first.Channels}: a grid needs one size", nameof(images));
        }
        long gridWidth = (long)first.Width * cols, gridHeight = (long)first.Height * rows;
        if (gridWidth > int.MaxValue || gridHeight > int.MaxValue)
            throw new ArgumentException($"a {rows}x{cols} grid of {first.Width}x{first.Height} images is too large", nameof(images));
        var grid = Image.Create((int)gridWidth, (int)gridHeight, first.Channels);
        for (int i = 0; i < images.Count; i++)
        {
            int x0 = i % cols * first.Width, y0 = i / cols * first.Height;
            for (int y = 0; y < first.Height; y++)
                images[i].Row(y).CopyTo(grid.Row(y0 + y)[(x0 * first.Channels)..]);
        }
        return grid;
    }
}
