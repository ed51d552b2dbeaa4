using System.Diagnostics;
using System.IO.Compression;
using Xunit.Abstractions;

namespace Diffusion.Imaging.Tests;

/// <summary>Truncation, bit flips and decompression bombs: the only exception that may escape is
/// <see cref="ImageFormatException"/>, and memory and time stay bounded.</summary>
public class PngHostileInputTests(ITestOutputHelper output)
{
    private static byte[] SamplePng(bool interlaced)
    {
        // Several IDATs, a text chunk and a palette-free 16-bit image reach every decoder stage.
        var sample = SampleImage.Random(29, 23, 6, 8, seed: 77);
        var pixels = RawPng.Build(29, 23, 8, 6, sample.Samples, interlaced, r => r % 5, idatSize: 500);
        var chunks = RawPng.ChunkBoundaries(pixels);
        // insert a tEXt after IHDR
        return [.. pixels[..chunks[1]], .. RawPng.Chunk("tEXt", "parameters\0steps: 20"u8), .. pixels[chunks[1]..]];
    }

    private static Exception? Outcome(byte[] png)
    {
        try
        {
            PngDecoder.Decode(png);
            PngDecoder.ReadText(png);
            return null;
        }
        catch (Exception ex)
        {
            return ex;
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Decode_TruncatedAtEveryChunkBoundaryAndEveryByte_ThrowsImageFormatException(bool interlaced)
    {
        var png = SamplePng(interlaced);
        Assert.NotNull(PngDecoder.Decode(png));
        var boundaries = RawPng.ChunkBoundaries(png);
        Assert.True(boundaries.Count >= 6, "expect IHDR, tEXt, several IDAT, IEND");

        // Every chunk boundary (and one byte to either side of it), then every byte offset.
        var offsets = boundaries.SelectMany(b => new[] { b - 1, b, b + 1 }).Concat(Enumerable.Range(0, png.Length))
            .Where(o => o >= 0 && o < png.Length).Distinct().ToList();
        foreach (int length in offsets)
        {
            var ex = Outcome(png[..length]);
            Assert.True(ex is ImageFormatException, $"truncated to {length} of {png.Length} bytes: {ex?.GetType().Name ?? "decoded"} {ex?.Message}");
        }
        output.WriteLine($"{offsets.Count} truncations of a {png.Length}-byte file, all ImageFormatException");
    }

    [Theory]
    [InlineData(false, false)]
    [InlineData(false, true)]
    [InlineData(true, true)]
    public void Decode_RandomByteFlips_OnlyImageFormatException(bool interlaced, bool fixCrcs)
    {
        // With CRCs fixed after the flip the damage reaches IHDR validation, zlib and unfiltering.
        var png = SamplePng(interlaced);
        var rng = new Random(interlaced ? 4242 : fixCrcs ? 2024 : 7);
        int decoded = 0, rejected = 0;
        const int Trials = 3000;
        for (int t = 0; t < Trials; t++)
        {
            var mutated = (byte[])png.Clone();
            int flips = 1 + rng.Next(3);
            for (int f = 0; f < flips; f++)
                mutated[rng.Next(mutated.Length)] ^= (byte)(1 + rng.Next(255));
            if (fixCrcs)
                RawPng.FixCrcs(mutated);
            var ex = Outcome(mutated);
            if (ex is null) decoded++;
            else if (ex is ImageFormatException) rejected++;
            else Assert.Fail($"trial {t}: {ex.GetType().FullName}: {ex.Message}\n{ex.StackTrace}");
        }
        output.WriteLine($"{Trials} mutated files (interlaced={interlaced}, CRCs fixed={fixCrcs}): {rejected} rejected with ImageFormatException, {decoded} decoded");
        Assert.Equal(Trials, decoded + rejected);
        Assert.True(rejected > Trials / 2);
    }

    [Fact]
    public void Decode_OneByOneImageWhoseIdatInflatesTo100MB_RejectedQuicklyWithBoundedMemory()
    {
        var bomb = RawPng.Zlib(new byte[100_000_000], CompressionLevel.SmallestSize);
        var png = RawPng.File(RawPng.Ihdr(1, 1, 8, 2), RawPng.Chunk("IDAT", bomb), RawPng.Chunk("IEND", []));

        long before = GC.GetAllocatedBytesForCurrentThread();
        var clock = Stopwatch.StartNew();
        var ex = Assert.Throws<ImageFormatException>(() => PngDecoder.Decode(png));
        clock.Stop();
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        output.WriteLine($"{png.Length}-byte bomb (100 MB inflated): rejected in {clock.Elapsed.TotalMilliseconds:F1} ms, {allocated / 1024} KiB allocated: {ex.Message}");
        Assert.Contains("more than the 4 bytes", ex.Message);
        Assert.True(allocated < 4L * png.Length + (1 << 20), $"allocated {allocated} bytes");
        Assert.True(clock.ElapsedMilliseconds < 1000, $"took {clock.ElapsedMilliseconds} ms");
    }

    [Fact]
    public void Decode_LargeDeclaredSizeWithTinyIdat_FailsWithoutAllocatingTheDeclaredSize()
    {
        // 4096x4096 RGBA declares 64 MiB of scanlines; the data holds 1000 bytes.
        var png = RawPng.File(RawPng.Ihdr(4096, 4096, 8, 6), RawPng.Chunk("IDAT", RawPng.Zlib(new byte[1000])), RawPng.Chunk("IEND", []));

        long before = GC.GetAllocatedBytesForCurrentThread();
        var ex = Assert.Throws<ImageFormatException>(() => PngDecoder.Decode(png));
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        output.WriteLine($"4096x4096 declared, 1000 bytes of data: {allocated / 1024} KiB allocated: {ex.Message}");
        Assert.Contains("ends early", ex.Message);
        Assert.True(allocated < 1 << 20, $"allocated {allocated} bytes");
    }

    [Fact]
    public void Decode_BombBeyondDeclaredLargeImage_StopsAtDeclaredSizePlusOne()
    {
        // 1024x1024 gray needs 1 049 600 bytes; the stream inflates to 50 MB.
        var png = RawPng.File(RawPng.Ihdr(1024, 1024, 8, 0), RawPng.Chunk("IDAT", RawPng.Zlib(new byte[50_000_000], CompressionLevel.SmallestSize)), RawPng.Chunk("IEND", []));

        long before = GC.GetAllocatedBytesForCurrentThread();
        var ex = Assert.Throws<ImageFormatException>(() => PngDecoder.Decode(png));
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        output.WriteLine($"1024x1024 declared, 50 MB inflated: {allocated / 1024} KiB allocated: {ex.Message}");
        Assert.Contains("more than the 1049600 bytes", ex.Message);
        Assert.True(allocated < 4 * 1_049_601 + 4L * png.Length, $"allocated {allocated} bytes");
    }
}
