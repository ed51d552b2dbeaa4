using Diffusion.Cli.Commands;
using Diffusion.Imaging;

namespace Diffusion.Cli.Tests;

public class GenerateTests
{
    [Fact]
    public void BuildRequest_MapsEveryOption()
    {
        string init = Path.GetTempFileName();
        File.WriteAllBytes(init, PngEncoder.Encode(new Image(8, 8, 3, new byte[8 * 8 * 3])));
        try
        {
            var r = GenerateRunner.BuildRequest(new GenerateOptions
            {
                Prompt = "a panda", NegativePrompt = "blurry", Steps = 12, Guidance = 5.5f, Scheduler = "Euler a",
                Seed = 42, Width = 64, Height = 48, NumImages = 3, ClipSkip = 1, InitImage = new FileInfo(init), Strength = 0.6f,
                RawOut = new FileInfo("x.safetensors"), ChunkLongPrompts = true,
            });
            Assert.Equal("a panda", r.Prompt);
            Assert.Equal("blurry", r.NegativePrompt);
            Assert.Equal(12, r.Steps);
            Assert.Equal(5.5f, r.GuidanceScale);
            Assert.Equal("Euler a", r.Scheduler);
            Assert.Equal(42, r.Seed);
            Assert.Equal((64, 48), (r.Width, r.Height));
            Assert.Equal(3, r.NumImages);
            Assert.Equal(1, r.ClipSkip);
            Assert.Equal(0.6f, r.Strength);
            Assert.True(r.RawOutput);
            Assert.True(r.ChunkLongPrompts);
            Assert.Equal(File.ReadAllBytes(init), r.InitImage.ToByteArray());
        }
        finally
        {
            File.Delete(init);
        }
    }

    [Fact]
    public void BuildRequest_UnsetSeedAndGuidance_LeftToTheGateway()
    {
        var r = GenerateRunner.BuildRequest(new GenerateOptions { Prompt = "x" });
        Assert.False(r.HasSeed);
        Assert.False(r.HasGuidanceScale);
        Assert.True(r.InitImage.IsEmpty);
    }

    [Theory]
    [InlineData("out.png", 0, 1, "out.png")]
    [InlineData("out.png", 1, 3, "out-1.png")]
    [InlineData("dir/img.png", 0, 2, "dir/img-0.png")]
    public void PathFor_NumbersImagesOnlyWhenSeveral(string outPath, int index, int count, string expected)
    {
        Assert.Equal(expected, ImageOutput.PathFor(outPath, index, count));
    }

    [Fact]
    public void Write_WithGrid_WritesEachImageAndAGridOfAll()
    {
        string dir = Directory.CreateTempSubdirectory().FullName;
        try
        {
            var pngs = Enumerable.Range(0, 3).Select(i => PngEncoder.Encode(new Image(4, 4, 3, Enumerable.Repeat((byte)(i * 80), 48).ToArray()))).ToList();
            var written = ImageOutput.Write(pngs, Path.Combine(dir, "o.png"), grid: true);
            Assert.Equal(4, written.Count);
            var grid = PngDecoder.Decode(File.ReadAllBytes(Path.Combine(dir, "o-grid.png")));
            var (rows, cols) = ImageGrid.Layout(3);
            Assert.Equal((cols * 4, rows * 4), (grid.Width, grid.Height));
            Assert.Equal(pngs[1], File.ReadAllBytes(Path.Combine(dir, "o-1.png")));
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }
}
