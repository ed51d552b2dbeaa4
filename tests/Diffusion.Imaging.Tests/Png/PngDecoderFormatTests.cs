namespace Diffusion.Imaging.Tests;

/// <summary>Every valid color type x bit depth, interlaced or not, every filter type, against
/// expectations computed from the PNG spec (PngPilInteropTests checks the same files with PIL).</summary>
public class PngDecoderFormatTests
{
    public static TheoryData<int, int, bool> Formats()
    {
        var data = new TheoryData<int, int, bool>();
        foreach (var (colorType, depth) in SampleImage.AllValidFormats)
        {
            data.Add(colorType, depth, false);
            data.Add(colorType, depth, true);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Formats))]
    public void Decode_EveryFormatAndSize_MatchesSpecExpansion(int colorType, int depth, bool interlaced)
    {
        // 1x1 leaves six Adam7 passes empty; 3x5, 13x9 and 33x17 give partial passes and rows
        // whose bit count is not a multiple of 8.
        (int W, int H)[] sizes = [(1, 1), (3, 5), (13, 9), (33, 17), (2, 1), (1, 7)];
        foreach (var (w, h) in sizes)
        {
            var sample = SampleImage.Random(w, h, colorType, depth, seed: w * 1000 + h * 10 + depth, withTrns: w % 2 == 1);
            var png = sample.ToPng(interlaced, row => row % 5);

            var image = PngDecoder.Decode(png);

            Assert.Equal((w, h, sample.OutputChannels), (image.Width, image.Height, image.Channels));
            Assert.Equal(sample.Expected8Bit(), image.Pixels);
        }
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    public void Decode_SingleFilterTypeOnAllRows_Decodes(int filter)
    {
        foreach (var (colorType, depth) in new[] { (0, 8), (2, 8), (6, 16), (0, 4), (4, 8) })
        {
            var sample = SampleImage.Random(19, 11, colorType, depth, seed: filter * 17 + depth);
            var png = sample.ToPng(interlaced: false, _ => filter);
            Assert.Equal(sample.Expected8Bit(), PngDecoder.Decode(png).Pixels);
        }
    }

    [Fact]
    public void Decode_IdatSplitIntoOneByteChunks_Decodes()
    {
        var sample = SampleImage.Random(23, 7, 2, 8, seed: 4);
        var png = sample.ToPng(interlaced: true, r => r % 5, idatSize: 1);
        Assert.Equal(sample.Expected8Bit(), PngDecoder.Decode(png).Pixels);
    }

    [Fact]
    public void Decode_AncillaryAndUnknownChunks_AreSkipped()
    {
        var sample = SampleImage.Random(5, 4, 6, 8, seed: 6);
        var data = RawPng.Zlib(RawPng.Scanlines(sample.Samples, 5, 4, 8, 4, false, r => r % 5));
        var png = RawPng.File(
            RawPng.Ihdr(5, 4, 8, 6),
            RawPng.Chunk("gAMA", [0, 0, 0xB1, 0x8F]),
            RawPng.Chunk("sRGB", [0]),
            RawPng.Chunk("tEXt", "Comment\0hi"u8),
            RawPng.Chunk("vpAg", [1, 2, 3]), // unknown ancillary (lowercase first letter)
            RawPng.Chunk("IDAT", data),
            RawPng.Chunk("tIME", [7, 0xE8, 1, 1, 0, 0, 0]),
            RawPng.Chunk("IEND", []),
            [1, 2, 3]); // bytes after IEND are ignored
        Assert.Equal(sample.Expected8Bit(), PngDecoder.Decode(png).Pixels);
    }

    [Fact]
    public void Decode_GrayAndRgbWithTrnsColorKey_KeepChannels()
    {
        var gray = SampleImage.Random(4, 4, 0, 8, seed: 1);
        var grayPng = RawPng.File(RawPng.Ihdr(4, 4, 8, 0), RawPng.Chunk("tRNS", [0, 7]),
            RawPng.Chunk("IDAT", RawPng.Zlib(RawPng.Scanlines(gray.Samples, 4, 4, 8, 1, false, _ => 0))), RawPng.Chunk("IEND", []));
        var image = PngDecoder.Decode(grayPng);
        Assert.Equal(1, image.Channels);
        Assert.Equal(gray.Expected8Bit(), image.Pixels);
    }
}
