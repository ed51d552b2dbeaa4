namespace Diffusion.Imaging.Tests;

public class PngRoundTripTests
{
    public static TheoryData<int, int, int, PngFilterMode> Cases()
    {
        var data = new TheoryData<int, int, int, PngFilterMode>();
        (int W, int H)[] sizes = [(1, 1), (3, 5), (257, 3), (31, 17)];
        foreach (int channels in new[] { 1, 2, 3, 4 })
            foreach (var (w, h) in sizes)
                foreach (var filter in Enum.GetValues<PngFilterMode>())
                    data.Add(channels, w, h, filter);
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void EncodeDecode_RandomPixels_RoundTripsExactly(int channels, int width, int height, PngFilterMode filter)
    {
        var pixels = RawPng.RandomBytes(width * height * channels, seed: width * 131 + height * 7 + channels);
        var png = PngEncoder.Encode(pixels, width, height, channels, new PngEncodeOptions { Filter = filter });

        var image = PngDecoder.Decode(png);

        Assert.Equal((width, height, channels), (image.Width, image.Height, image.Channels));
        Assert.Equal(pixels, image.Pixels);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(6)]
    [InlineData(9)]
    public void EncodeDecode_EachCompressionLevel_RoundTrips(int level)
    {
        var image = TestImages.Gradient(67, 45, 3, seed: level);
        var png = PngEncoder.Encode(image, new PngEncodeOptions { CompressionLevel = level });
        Assert.Equal(image.Pixels, PngDecoder.Decode(png).Pixels);
    }

    [Fact]
    public void Encode_CompressionLevel9_IsSmallerThanLevel0()
    {
        var image = TestImages.Gradient(64, 64, 3, seed: 1);
        int stored = PngEncoder.Encode(image, new PngEncodeOptions { CompressionLevel = 0 }).Length;
        int best = PngEncoder.Encode(image, new PngEncodeOptions { CompressionLevel = 9 }).Length;
        Assert.True(best < stored / 2, $"level 9: {best} bytes, level 0: {stored} bytes");
    }

    [Fact]
    public void Encode_SmallIdatLimit_SplitsIntoManyIdatChunksThatDecode()
    {
        var image = TestImages.Gradient(40, 30, 4, seed: 2);
        var png = PngEncoder.Encode(image, new PngEncodeOptions { MaxIdatChunkBytes = 7 });

        var types = RawPng.ChunkTypes(png);
        Assert.Equal("IHDR", types[0]);
        Assert.Equal("IEND", types[^1]);
        Assert.True(types.Count(t => t == "IDAT") > 10);
        Assert.Equal(image.Pixels, PngDecoder.Decode(png).Pixels);
    }

    [Theory]
    [InlineData(PngFilterMode.None)]
    [InlineData(PngFilterMode.Sub)]
    [InlineData(PngFilterMode.Up)]
    [InlineData(PngFilterMode.Average)]
    [InlineData(PngFilterMode.Paeth)]
    public void Encode_FixedFilter_WritesThatFilterOnEveryRow(PngFilterMode filter)
    {
        var image = TestImages.Gradient(20, 9, 3, seed: 3);
        var raw = RawPng.InflateIdat(PngEncoder.Encode(image, new PngEncodeOptions { Filter = filter }));
        var filters = Enumerable.Range(0, 9).Select(r => raw[r * (1 + 60)]).ToArray();
        Assert.All(filters, f => Assert.Equal((byte)filter, f));
    }

    [Fact]
    public void Encode_AdaptiveOnMixedContent_ChoosesSeveralFilterTypes()
    {
        // Flat rows favour Up, horizontal ramps Sub, noise None: the heuristic must pick per row.
        var image = TestImages.Mixed(64, 60);
        var raw = RawPng.InflateIdat(PngEncoder.Encode(image));
        var used = Enumerable.Range(0, 60).Select(r => raw[r * (1 + 64 * 3)]).Distinct().Count();
        Assert.True(used >= 3, $"only {used} distinct filter types chosen");
        Assert.Equal(image.Pixels, PngDecoder.Decode(PngEncoder.Encode(image)).Pixels);
    }

    [Fact]
    public void Encode_Adaptive_IsNoLargerThanEveryFixedFilterOnAPhoto()
    {
        var image = TestImages.Gradient(128, 96, 3, seed: 9);
        int adaptive = PngEncoder.Encode(image).Length;
        int none = PngEncoder.Encode(image, new PngEncodeOptions { Filter = PngFilterMode.None }).Length;
        Assert.True(adaptive < none, $"adaptive {adaptive} bytes vs unfiltered {none}");
    }

    [Fact]
    public void Encode_SizeMismatch_ThrowsArgumentException()
    {
        Assert.Throws<ArgumentException>(() => PngEncoder.Encode(new byte[11], 2, 2, 3));
        Assert.Throws<ArgumentOutOfRangeException>(() => PngEncoder.Encode(new byte[10], 2, 1, 5));
        Assert.Throws<ArgumentOutOfRangeException>(() => PngEncoder.Encode(new byte[3], 1, 1, 3, new PngEncodeOptions { CompressionLevel = 10 }));
    }

    [Fact]
    public void Encode_Header_DeclaresEightBitAndColorTypeFromChannels()
    {
        int[] expectedColorType = [0, 4, 2, 6];
        for (int ch = 1; ch <= 4; ch++)
        {
            var png = PngEncoder.Encode(new byte[2 * 3 * ch], 2, 3, ch);
            Assert.Equal(RawPng.Signature, png[..8]);
            Assert.Equal(8, png[24]); // IHDR bit depth
            Assert.Equal(expectedColorType[ch - 1], png[25]);
            Assert.Equal(0, png[28]); // not interlaced
        }
    }
}
