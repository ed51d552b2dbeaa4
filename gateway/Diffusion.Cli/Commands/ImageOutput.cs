using Diffusion.Imaging;

namespace Diffusion.Cli.Commands;

/// <summary>Where the images of a generation are written.</summary>
internal static class ImageOutput
{
    /// <summary>out.png for one image; out-0.png, out-1.png... for several.</summary>
    public static string PathFor(string outPath, int index, int count)
    {
        if (count == 1) return outPath;
        string dir = Path.GetDirectoryName(outPath) ?? "";
        string name = Path.GetFileNameWithoutExtension(outPath);
        string ext = Path.GetExtension(outPath);
        return Path.Combine(dir, $"{name}-{index}{(ext.Length > 0 ? ext : ".png")}");
    }

    public static string GridPath(string outPath)
    {
        string dir = Path.GetDirectoryName(outPath) ?? "";
        return Path.Combine(dir, Path.GetFileNameWithoutExtension(outPath) + "-grid.png");
    }

    public static List<string> Write(IReadOnlyList<byte[]> pngs, string outPath, bool grid)
    {
        var written = new List<string>();
        string? dir = Path.GetDirectoryName(Path.GetFullPath(outPath));
        if (!string.IsNullOrEmpty(dir)) Directory.CreateDirectory(dir);
        for (int i = 0; i < pngs.Count; i++)
        {
            string p = PathFor(outPath, i, pngs.Count);
            File.WriteAllBytes(p, pngs[i]);
            written.Add(p);
        }
        if (grid && pngs.Count > 0)
        {
            var images = pngs.Select(p => PngDecoder.Decode(p)).ToList();
            var (rows, cols) = ImageGrid.Layout(images.Count);
            var composed = ImageGrid.Compose(images, rows, cols);
            string gp = GridPath(outPath);
            File.WriteAllBytes(gp, PngEncoder.Encode(composed));
            written.Add(gp);
        }
        return written;
    }
}
