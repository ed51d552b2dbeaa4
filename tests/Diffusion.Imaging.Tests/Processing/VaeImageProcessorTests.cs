namespace Diffusion.Imaging.Tests;

public class VaeImageProcessorTests
{
    [Fact]
    public void Quantize_ManyValuesIncludingExactTies_MatchNumpyRoundHalfToEven()
    {
        // Arrange: random values in [0, 1] plus every float32 x whose float32 product x * 255 is
        // exactly k + 0.5 (numpy rounds those to even; "round half away" would differ on half of them).
        var rng = new Random(11);
        var values = new List<float>();
        for (int i = 0; i < 100_000; i++) values.Add((float)rng.NextDouble());
        int ties = 0;
        for (int k = 0; k < 255; k++)
        {
            float x = (float)((k + 0.5) / 255);
            for (int step = -4; step <= 4; step++)
            {
                float candidate = x;
                for (int s = 0; s < Math.Abs(step); s++) candidate = step < 0 ? MathF.BitDecrement(candidate) : MathF.BitIncrement(candidate);
                if (candidate * 255f == k + 0.5f) { values.Add(candidate); ties++; }
            }
        }
        values.AddRange([0f, 1f, 0.5f, 1f / 255, 254.5f / 255, MathF.BitDecrement(1f)]);
        using var dir = new TempFolder();
        File.WriteAllBytes(dir.File("x.f32"), values.SelectMany(BitConverter.GetBytes).ToArray());

        // Act
        PilOracle.Run("quantize", dir.File("x.f32"), dir.File("q.u8"));
        var ours = VaeImageProcessor.Quantize(values.ToArray());

        // Assert
        Assert.True(ties > 100, $"only {ties} exact ties found");
        var numpy = File.ReadAllBytes(dir.File("q.u8"));
        int diff = numpy.Zip(ours).Count(p => p.First != p.Second);
        Assert.True(diff == 0, $"{diff} of {values.Count} values differ from numpy ({ties} ties)");
    }

    [Theory]
    [InlineData(2.5f / 255, 2)] // float32 (2.5f / 255) * 255 is exactly 2.5: half to even gives 2
    [InlineData(3.5f / 255, 4)] // ... and 3.5 gives 4
    [InlineData(0.5f / 255, 0)]
    [InlineData(-0.25f, 0)]
    [InlineData(1.75f, 255)]
    [InlineData(float.NaN, 0)]
    [InlineData(float.PositiveInfinity, 255)]
    [InlineData(1f, 255)]
    [InlineData(0f, 0)]
    public void Quantize_EdgeValues_ClampAndRoundToEven(float value, int expected)
    {
        Assert.Equal((byte)expected, VaeImageProcessor.Quantize(value));
    }

    [Fact]
    public void Normalize_AllByteValues_MatchNumpyFloat32()
    {
        using var dir = new TempFolder();
        PilOracle.Run("normalize", dir.File("n.f32"));
        var numpy = File.ReadAllBytes(dir.File("n.f32"));
        for (int v = 0; v < 256; v++)
            Assert.Equal(BitConverter.ToSingle(numpy, v * 4), VaeImageProcessor.Normalize((byte)v));
        Assert.Equal(-1f, VaeImageProcessor.Normalize(0));
        Assert.Equal(1f, VaeImageProcessor.Normalize(255));
    }

    [Fact]
    public void Postprocess_Nchw_BecomesClampedNhwc()
    {
        // [1, 3, 1, 2]: channel planes r = (-1, 0), g = (1, 3), b = (-3, 0.5)
        float[] nchw = [-1f, 0f, 1f, 3f, -3f, 0.5f];

        var nhwc = VaeImageProcessor.Postprocess(nchw, 1, 3, 1, 2);

        Assert.Equal([0f, 1f, 0f, 0.5f, 1f, 0.75f], nhwc);
    }

    [Fact]
    public void PostprocessToImages_Batch_GivesOneImagePerEntry()
    {
        var nchw = new float[2 * 3 * 2 * 2];
        for (int i = 0; i < 12; i++) nchw[12 + i] = 1f; // second image white
        var images = VaeImageProcessor.PostprocessToImages(nchw, 2, 3, 2, 2);
        Assert.Equal(2, images.Length);
        Assert.All(images[0].Pixels, p => Assert.Equal(128, p)); // (0 / 2 + 0.5) * 255 = 127.5 -> 128 (even)
        Assert.All(images[1].Pixels, p => Assert.Equal(255, p));
    }

    [Fact]
    public void Preprocess_GrayAndRgba_ConvertToRgbDroppingAlpha()
    {
        var gray = new Image(2, 1, 1, [0, 255]);
        var rgba = new Image(2, 1, 4, [0, 128, 255, 7, 10, 20, 30, 0]);

        var g = VaeImageProcessor.Preprocess(gray);
        var c = VaeImageProcessor.Preprocess(rgba);

        Assert.Equal([-1f, 1f, -1f, 1f, -1f, 1f], g); // [1, 3, 1, 2]: each plane (-1, 1)
        float[] expected = [0, 10, 128, 20, 255, 30];
        Assert.Equal(expected.Select(v => VaeImageProcessor.Normalize((byte)v)), c);
    }

    [Fact]
    public void Preprocess_BatchOfDifferentSizes_Throws()
    {
        Assert.Throws<ArgumentException>(() => VaeImageProcessor.Preprocess([Image.Create(2, 2, 3), Image.Create(2, 3, 3)]));
    }

    [Fact]
    public void Postprocess_ShapeMismatch_Throws()
    {
        Assert.Throws<ArgumentException>(() => VaeImageProcessor.Postprocess(new float[11], 1, 3, 2, 2));
    }
}
