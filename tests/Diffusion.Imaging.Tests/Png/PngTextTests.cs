using System.Text.Json;
using System.Text.Json.Nodes;

namespace Diffusion.Imaging.Tests;

public class PngTextTests
{
    private const string Parameters =
        "a photo of a cat, café\nNegative prompt: blurry\nSteps: 20, Sampler: Euler a, CFG scale: 7.5, Seed: 1234, Size: 512x512";

    [Fact]
    public void Encode_ParametersText_ReadTextReturnsItAndPixelsStillDecode()
    {
        var image = TestImages.Gradient(8, 8, 3, seed: 1);
        var png = PngEncoder.Encode(image, new PngEncodeOptions { Text = [new(PngTextChunk.ParametersKeyword, Parameters)] });

        var text = PngDecoder.ReadText(png);

        Assert.Equal([new PngTextChunk("parameters", Parameters)], text);
        Assert.Contains("tEXt", RawPng.ChunkTypes(png));
        Assert.Equal(image.Pixels, PngDecoder.Decode(png).Pixels);
    }

    [Fact]
    public void Encode_NonLatin1Text_WritesITxtThatRoundTrips()
    {
        const string prompt = "猫の写真, “quotes” — 🐱";
        var png = PngEncoder.Encode(new byte[3], 1, 1, 3, new PngEncodeOptions { Text = [new("parameters", prompt), new("Software", "Diffusion")] });

        Assert.Equal(["IHDR", "iTXt", "tEXt", "IDAT", "IEND"], RawPng.ChunkTypes(png));
        Assert.Equal([new PngTextChunk("parameters", prompt), new PngTextChunk("Software", "Diffusion")], PngDecoder.ReadText(png));
    }

    [Theory]
    [InlineData("")]
    [InlineData(" lead")]
    [InlineData("trail ")]
    [InlineData("two  spaces")]
    [InlineData("tab\tkey")]
    [InlineData("ключ")]
    public void Encode_InvalidKeyword_ThrowsArgumentException(string keyword)
    {
        Assert.Throws<ArgumentException>(() => PngEncoder.Encode(new byte[1], 1, 1, 1, new PngEncodeOptions { Text = [new(keyword, "x")] }));
    }

    [Fact]
    public void Encode_KeywordOf80Characters_ThrowsArgumentException()
    {
        Assert.Throws<ArgumentException>(() => PngEncoder.Encode(new byte[1], 1, 1, 1, new PngEncodeOptions { Text = [new(new string('k', 80), "x")] }));
    }

    [Fact]
    public void ReadText_ChunksWrittenByPil_AllThreeKinds()
    {
        using var dir = new TempFolder();
        var cases = new JsonArray
        {
            new JsonObject
            {
                ["name"] = "t", ["mode"] = "RGB", ["width"] = 4, ["height"] = 3, ["seed"] = 1,
                ["text"] = new JsonArray
                {
                    new JsonArray("parameters", Parameters, false),
                    new JsonArray("zipped", string.Concat(Enumerable.Repeat("long text ", 500)), true),
                },
                ["itxt"] = new JsonArray
                {
                    new JsonArray("utf8", "日本語のプロンプト", "ja", "翻訳", false),
                    new JsonArray("utf8z", "ÆØÅ ünïcödé ✓", "", "", true),
                },
            },
        };
        File.WriteAllText(dir.File("cases.json"), cases.ToJsonString());
        PilOracle.Run("generate", dir.Path, dir.File("cases.json"));

        var text = PngDecoder.ReadText(File.ReadAllBytes(dir.File("t.png")));

        Assert.Equal(
            [
                new PngTextChunk("parameters", Parameters),
                new PngTextChunk("zipped", string.Concat(Enumerable.Repeat("long text ", 500))),
                new PngTextChunk("utf8", "日本語のプロンプト"),
                new PngTextChunk("utf8z", "ÆØÅ ünïcödé ✓"),
            ], text);
    }

    [Fact]
    public void Encode_TextChunks_PilReadsTheSameText()
    {
        using var dir = new TempFolder();
        var entries = new List<PngTextChunk> { new("parameters", Parameters), new("prompt_ja", "夕焼けの富士山") };
        File.WriteAllBytes(dir.File("ours.png"), PngEncoder.Encode(new byte[12], 2, 2, 3, new PngEncodeOptions { Text = entries }));

        PilOracle.Run("text", dir.File("ours.png"), dir.File("text.json"));

        var pil = JsonSerializer.Deserialize<Dictionary<string, string>>(File.ReadAllText(dir.File("text.json")))!;
        Assert.Equal(entries.ToDictionary(e => e.Keyword, e => e.Text), pil);
    }

    [Fact]
    public void ReadText_ManySmallZtxtBombs_StayWithinOneTextBudget()
    {
        // 2000 zTXt chunks of 1 MB zeros each (~1 KB compressed): 2 GB of text if each were
        // bounded separately; one shared budget keeps it to MaxTextBytes.
        var bomb = RawPng.Chunk("zTXt", [.. "z"u8, 0, 0, .. RawPng.Zlib(new byte[1_000_000], System.IO.Compression.CompressionLevel.SmallestSize)]);
        var chunks = new List<byte[]> { RawPng.Ihdr(1, 1, 8, 0) };
        chunks.AddRange(Enumerable.Repeat(bomb, 2000));
        chunks.Add(RawPng.Chunk("IDAT", RawPng.Zlib(new byte[2])));
        chunks.Add(RawPng.Chunk("IEND", []));
        var png = RawPng.File([.. chunks]);

        long before = GC.GetAllocatedBytesForCurrentThread();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var text = PngDecoder.ReadText(png, new PngDecodeLimits(MaxTextBytes: 3_500_000));
        clock.Stop();
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(3, text.Count);
        Assert.True(allocated < 64L << 20, $"allocated {allocated >> 20} MiB");
        Assert.True(clock.ElapsedMilliseconds < 2000, $"took {clock.ElapsedMilliseconds} ms");
        Assert.Equal(1, PngDecoder.Decode(png).Width);
    }

    [Fact]
    public void ReadText_ZtxtLargerThanLimit_IsSkipped()
    {
        var big = RawPng.Zlib(new byte[100_000]);
        var png = RawPng.File(RawPng.Ihdr(1, 1, 8, 0), RawPng.Chunk("tEXt", "ok\0fine"u8), RawPng.Chunk("zTXt", [.. "big"u8, 0, 0, .. big]),
            RawPng.Chunk("tEXt", "later\0skipped"u8), RawPng.Chunk("IDAT", RawPng.Zlib(new byte[2])), RawPng.Chunk("IEND", []));

        var text = PngDecoder.ReadText(png, new PngDecodeLimits(MaxTextBytes: 1000));

        Assert.Equal([new PngTextChunk("ok", "fine")], text);
        Assert.Equal(["ok", "big", "later"], PngDecoder.ReadText(png, new PngDecodeLimits(MaxTextBytes: 100_100)).Select(t => t.Keyword));
    }
}
