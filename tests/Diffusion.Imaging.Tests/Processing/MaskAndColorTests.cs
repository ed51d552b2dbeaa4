namespace Diffusion.Imaging.Tests;

public class MaskAndColorTests
{
    [Theory]
    [InlineData("RGB", 3, "L")]
    [InlineData("RGBA", 4, "L")]
    [InlineData("LA", 2, "L")]
    [InlineData("L", 1, "RGB")]
    [InlineData("LA", 2, "RGB")]
    [InlineData("RGBA", 4, "RGB")]
    public void Convert_RandomPixels_MatchPilConvert(string mode, int channels, string target)
    {
        const int W = 128, H = 64;
        var image = new Image(W, H, channels, RawPng.RandomBytes(W * H * channels, seed: channels * 10 + target.Length));
        using var dir = new TempFolder();
        File.WriteAllBytes(dir.File("in.raw"), image.Pixels);

        PilOracle.Run("convert", dir.File("in.raw"), W.ToString(), H.ToString(), mode, target, dir.File("out.raw"));
        var ours = target == "L" ? ColorConversion.ToGray(image) : ColorConversion.ToRgb(image);

        Assert.Equal(File.ReadAllBytes(dir.File("out.raw")), ours.Pixels);
    }

    [Fact]
    public void Luma_DiffersFromTruncatedDocumentedFormula_AsPilDoes()
    {
        // PIL's docs say L = R*299/1000 + G*587/1000 + B*114/1000 (would give 1); its code rounds.
        Assert.Equal(2, ColorConversion.Luma(1, 2, 3));
        Assert.Equal(255, ColorConversion.Luma(255, 255, 255));
    }

    [Fact]
    public void PreprocessMask_AllByteValues_MatchNumpyBinarize()
    {
        var mask = new Image(256, 1, 1, Enumerable.Range(0, 256).Select(v => (byte)v).ToArray());
        using var dir = new TempFolder();
        PilOracle.Run("binarize", dir.File("b.f32"));

        var m = MaskProcessor.Preprocess(mask);

        var numpy = File.ReadAllBytes(dir.File("b.f32"));
        Assert.Equal(Enumerable.Range(0, 256).Select(i => BitConverter.ToSingle(numpy, i * 4)), m);
        Assert.Equal(0f, m[127]);
        Assert.Equal(1f, m[128]);
    }

    [Fact]
    public void PreprocessMask_RgbMask_UsesPilLumaThenThreshold()
    {
        // luma(255, 0, 0) = 76 -> 0; luma(0, 255, 0) = 150 -> 1; luma(128, 128, 128) = 128 -> 1
        var mask = new Image(3, 1, 3, [255, 0, 0, 0, 255, 0, 128, 128, 128]);
        Assert.Equal([0f, 1f, 1f], MaskProcessor.Preprocess(mask));
    }

    [Fact]
    public void ToLatentSize_HalfSize_TakesEvenPixels()
    {
        var mask = Enumerable.Range(0, 16).Select(i => (float)i).ToArray(); // [1, 1, 4, 4]
        Assert.Equal([0f, 2f, 8f, 10f], MaskProcessor.ToLatentSize(mask, 1, 4, 4, 2, 2));
    }
}
