using System.Buffers.Binary;

namespace Diffusion.Imaging.Tests;

/// <summary>Each structural or semantic defect gets an <see cref="ImageFormatException"/> whose
/// message names the problem.</summary>
public class PngDecoderErrorTests
{
    private static readonly byte[] s_idat1x1Rgb = RawPng.Zlib([0, 10, 20, 30]);

    private static ImageFormatException Fails(byte[] png, PngDecodeLimits? limits = null) =>
        Assert.Throws<ImageFormatException>(() => PngDecoder.Decode(png, limits));

    private static byte[] Valid1x1() =>
        RawPng.File(RawPng.Ihdr(1, 1, 8, 2), RawPng.Chunk("IDAT", s_idat1x1Rgb), RawPng.Chunk("IEND", []));

    [Fact]
    public void Decode_Valid1x1_Decodes()
    {
        Assert.Equal([10, 20, 30], PngDecoder.Decode(Valid1x1()).Pixels);
    }

    [Theory]
    [InlineData(new byte[] { }, "empty")]
    [InlineData(new byte[] { 0x89, 0x50, 0x4E }, "truncated")]
    [InlineData(new byte[] { 0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10, 0x4A, 0x46, 0x49, 0x46 }, "JPEG")]
    [InlineData(new byte[] { 0x47, 0x49, 0x46, 0x38, 0x39, 0x61, 1, 0, 1, 0 }, "GIF")]
    [InlineData(new byte[] { 0x89, 0x50, 0x4E, 0x47, 0x0A, 0x1A, 0x0A, 0, 0, 0 }, "text mode")]
    [InlineData(new byte[] { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 }, "not a PNG")]
    public void Decode_BadSignature_NamesTheProblem(byte[] data, string expected)
    {
        Assert.Contains(expected, Fails(data).Message);
    }

    [Fact]
    public void Decode_BadCrc_Throws()
    {
        var png = Valid1x1();
        png[8 + 8 + 13] ^= 0x01; // IHDR's CRC
        Assert.Contains("CRC mismatch in chunk 'IHDR'", Fails(png).Message);
    }

    [Fact]
    public void Decode_ChunkLengthPastEnd_Throws()
    {
        var png = Valid1x1();
        int idat = RawPng.ChunkBoundaries(png)[1];
        BinaryPrimitives.WriteUInt32BigEndian(png.AsSpan(idat), 1000);
        Assert.Contains("declares 1000 data bytes", Fails(png).Message);
        BinaryPrimitives.WriteUInt32BigEndian(png.AsSpan(idat), 0xFFFFFFF0);
        Assert.Contains("above the 2^31-1 maximum", Fails(png).Message);
    }

    [Fact]
    public void Decode_MissingIhdr_Throws()
    {
        var png = RawPng.File(RawPng.Chunk("IDAT", s_idat1x1Rgb), RawPng.Chunk("IEND", []));
        Assert.Contains("must be IHDR", Fails(png).Message);
    }

    [Fact]
    public void Decode_MissingIdat_Throws()
    {
        Assert.Contains("no IDAT", Fails(RawPng.File(RawPng.Ihdr(1, 1, 8, 2), RawPng.Chunk("IEND", []))).Message);
        Assert.Contains("before any image data", Fails(RawPng.File(RawPng.Ihdr(1, 1, 8, 2))).Message);
    }

    [Fact]
    public void Decode_MissingIend_Throws()
    {
        Assert.Contains("IEND chunk is missing", Fails(RawPng.File(RawPng.Ihdr(1, 1, 8, 2), RawPng.Chunk("IDAT", s_idat1x1Rgb))).Message);
    }

    [Fact]
    public void Decode_SplitIdatRun_Throws()
    {
        var png = RawPng.File(RawPng.Ihdr(1, 1, 8, 2), RawPng.Chunk("IDAT", s_idat1x1Rgb[..5]), RawPng.Chunk("tEXt", "a\0b"u8),
            RawPng.Chunk("IDAT", s_idat1x1Rgb[5..]), RawPng.Chunk("IEND", []));
        Assert.Contains("consecutive", Fails(png).Message);
    }

    [Fact]
    public void Decode_UnknownCriticalChunk_Throws()
    {
        var png = RawPng.File(RawPng.Ihdr(1, 1, 8, 2), RawPng.Chunk("CgBI", [0]), RawPng.Chunk("IDAT", s_idat1x1Rgb), RawPng.Chunk("IEND", []));
        Assert.Contains("critical chunk 'CgBI'", Fails(png).Message);
    }

    [Fact]
    public void Decode_DuplicateIhdr_Throws()
    {
        var png = RawPng.File(RawPng.Ihdr(1, 1, 8, 2), RawPng.Ihdr(1, 1, 8, 2), RawPng.Chunk("IDAT", s_idat1x1Rgb), RawPng.Chunk("IEND", []));
        Assert.Contains("second IHDR", Fails(png).Message);
    }

    [Theory]
    [InlineData(16, 3, "bit depth 16 is not valid for color type 3")]
    [InlineData(3, 0, "bit depth 3")]
    [InlineData(4, 2, "bit depth 4 is not valid for color type 2")]
    [InlineData(8, 5, "color type 5 does not exist")]
    [InlineData(8, 1, "color type 1 does not exist")]
    public void Decode_InvalidDepthOrColorType_NamesIt(int depth, int colorType, string expected)
    {
        var png = RawPng.File(RawPng.Ihdr(1, 1, depth, colorType), RawPng.Chunk("IDAT", s_idat1x1Rgb), RawPng.Chunk("IEND", []));
        Assert.Contains(expected, Fails(png).Message);
    }

    [Theory]
    [InlineData(10, 1, "compression method 1")]
    [InlineData(11, 64, "filter method 64")]
    [InlineData(12, 2, "interlace method 2")]
    public void Decode_UnknownMethods_Throw(int ihdrByte, byte value, string expected)
    {
        var ihdr = RawPng.Ihdr(1, 1, 8, 2);
        ihdr[8 + ihdrByte] = value;
        var fixedIhdr = RawPng.Chunk("IHDR", ihdr.AsSpan(8, 13));
        Assert.Contains(expected, Fails(RawPng.File(fixedIhdr, RawPng.Chunk("IDAT", s_idat1x1Rgb), RawPng.Chunk("IEND", []))).Message);
    }

    [Theory]
    [InlineData(0u, 1u, "empty image")]
    [InlineData(1u, 0u, "empty image")]
    [InlineData(4097u, 1u, "above the limit of 4096x4096")]
    [InlineData(1u, 100_000u, "above the limit of 4096x4096")]
    [InlineData(0x7FFFFFFFu, 0x7FFFFFFFu, "above the limit")]
    [InlineData(0x80000000u, 1u, "2^31-1 maximum")]
    [InlineData(0xFFFFFFFFu, 0xFFFFFFFFu, "2^31-1 maximum")]
    public void Decode_ZeroOrHugeDimensions_RejectedBeforeAllocating(uint width, uint height, string expected)
    {
        var png = RawPng.File(RawPng.Ihdr(width, height, 8, 6), RawPng.Chunk("IDAT", s_idat1x1Rgb), RawPng.Chunk("IEND", []));
        long before = GC.GetAllocatedBytesForCurrentThread();
        Assert.Contains(expected, Fails(png).Message);
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 1 << 20);
    }

    [Fact]
    public void Decode_PixelCountAboveConfiguredLimit_Throws()
    {
        var png = PngEncoder.Encode(new byte[100 * 100], 100, 100, 1);
        var limits = new PngDecodeLimits(MaxWidth: 200, MaxHeight: 200, MaxPixels: 5000);
        Assert.Contains("above the limit of 5000 pixels", Fails(png, limits).Message);
        Assert.Contains("above the limit of 64x64", Fails(png, new PngDecodeLimits(64, 64)).Message);
        Assert.Equal(100, PngDecoder.Decode(png, new PngDecodeLimits(100, 100, 10_000)).Width);
    }

    [Fact]
    public void Decode_TooLittleData_Throws()
    {
        var png = RawPng.File(RawPng.Ihdr(2, 2, 8, 2), RawPng.Chunk("IDAT", RawPng.Zlib(new byte[13])), RawPng.Chunk("IEND", []));
        Assert.Contains("inflates to 13 of the 14 bytes", Fails(png).Message);
    }

    [Fact]
    public void Decode_TooMuchData_Throws()
    {
        var png = RawPng.File(RawPng.Ihdr(2, 2, 8, 2), RawPng.Chunk("IDAT", RawPng.Zlib(new byte[15])), RawPng.Chunk("IEND", []));
        Assert.Contains("more than the 14 bytes", Fails(png).Message);
    }

    [Fact]
    public void Decode_CorruptZlib_Throws()
    {
        var png = RawPng.File(RawPng.Ihdr(1, 1, 8, 2), RawPng.Chunk("IDAT", [0x78, 0x9C, 0xFF, 0xFF, 0xFF, 0xFF]), RawPng.Chunk("IEND", []));
        Assert.Contains("zlib stream", Fails(png).Message);
        var notZlib = RawPng.File(RawPng.Ihdr(1, 1, 8, 2), RawPng.Chunk("IDAT", [1, 2, 3, 4]), RawPng.Chunk("IEND", []));
        Assert.IsType<ImageFormatException>(Record.Exception(() => PngDecoder.Decode(notZlib)));
    }

    [Fact]
    public void Decode_BadFilterByte_NamesTheRow()
    {
        var png = RawPng.File(RawPng.Ihdr(1, 2, 8, 0), RawPng.Chunk("IDAT", RawPng.Zlib([0, 5, 7, 5])), RawPng.Chunk("IEND", []));
        Assert.Contains("scanline 1 has filter type 7", Fails(png).Message);
    }

    [Fact]
    public void Decode_PaletteProblems_Throw()
    {
        byte[] data = RawPng.Zlib([0, 3]);
        Assert.Contains("without a PLTE", Fails(RawPng.File(RawPng.Ihdr(1, 1, 8, 3), RawPng.Chunk("IDAT", data), RawPng.Chunk("IEND", []))).Message);
        Assert.Contains("palette index 3 is out of range", Fails(RawPng.File(RawPng.Ihdr(1, 1, 8, 3), RawPng.Chunk("PLTE", new byte[6]),
            RawPng.Chunk("IDAT", data), RawPng.Chunk("IEND", []))).Message);
        Assert.Contains("PLTE has 7 bytes", Fails(RawPng.File(RawPng.Ihdr(1, 1, 8, 3), RawPng.Chunk("PLTE", new byte[7]),
            RawPng.Chunk("IDAT", data), RawPng.Chunk("IEND", []))).Message);
        Assert.Contains("more than bit depth 1 can index", Fails(RawPng.File(RawPng.Ihdr(1, 1, 1, 3), RawPng.Chunk("PLTE", new byte[9]),
            RawPng.Chunk("IDAT", RawPng.Zlib([0, 0])), RawPng.Chunk("IEND", []))).Message);
        Assert.Contains("comes after the image data", Fails(RawPng.File(RawPng.Ihdr(1, 1, 8, 3), RawPng.Chunk("IDAT", data),
            RawPng.Chunk("PLTE", new byte[12]), RawPng.Chunk("IEND", []))).Message);
    }

    [Fact]
    public void Decode_GarbageChunkType_Throws()
    {
        var png = Valid1x1();
        png[RawPng.ChunkBoundaries(png)[1] + 5] = (byte)'1';
        Assert.Contains("not a chunk type", Fails(png).Message);
    }

    [Fact]
    public void Decode_NullLimitsValues_AreRejected()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => PngDecoder.Decode(Valid1x1(), new PngDecodeLimits(MaxWidth: 0)));
    }
}
