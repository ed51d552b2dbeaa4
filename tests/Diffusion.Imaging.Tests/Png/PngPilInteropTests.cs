using System.Text.Json;
using System.Text.Json.Nodes;

namespace Diffusion.Imaging.Tests;

/// <summary>Pillow (Debian python3-pil) as the independent encoder and decoder.</summary>
public class PngPilInteropTests
{
    private sealed record PilInfo(string Mode, int Width, int Height, int Channels, int Interlace);

    private static PilInfo ReadInfo(string path)
    {
        var j = JsonNode.Parse(File.ReadAllText(path))!;
        return new PilInfo((string)j["mode"]!, (int)j["width"]!, (int)j["height"]!, (int)j["channels"]!, (int)j["interlace"]!);
    }

    [Fact]
    public void Decode_FilesWrittenByPil_MatchPilPixels()
    {
        // Arrange: PIL writes every mode it can save as PNG, at several sizes and zlib settings.
        (string Mode, object Extra)[] modes =
        [
            ("L", new { }), ("LA", new { }), ("RGB", new { }), ("RGBA", new { }), ("1", new { }), ("I;16", new { }),
            ("P", new { colors = 256 }), ("P", new { colors = 16, bits = 4 }), ("P", new { colors = 4, bits = 2 }), ("P", new { colors = 2, bits = 1 }),
            ("P", new { colors = 200, transparency_bytes = Enumerable.Range(0, 100).Select(i => i * 2).ToArray() }),
            ("L", new { transparency = 7 }), ("RGB", new { transparency_tuple = new[] { 1, 2, 3 } }),
        ];
        (int W, int H)[] sizes = [(1, 1), (3, 5), (257, 3), (64, 48)];
        object[] saves =
        [
            new { compress_level = 0 }, new { compress_level = 1 }, new { compress_level = 6 }, new { compress_level = 9 }, new { optimize = true },
        ];
        var cases = new JsonArray();
        int n = 0;
        foreach (var (mode, extra) in modes)
            foreach (var (w, h) in sizes)
                for (int s = 0; s < saves.Length; s++)
                {
                    var save = JsonSerializer.SerializeToNode(saves[s])!.AsObject();
                    var ex = JsonSerializer.SerializeToNode(extra)!.AsObject();
                    int? colors = ex.TryGetPropertyValue("colors", out var c) ? (int)c! : null;
                    foreach (var kv in ex.ToList())
                        if (kv.Key != "colors") save[kv.Key] = kv.Value!.DeepClone();
                    var item = new JsonObject
                    {
                        ["name"] = $"c{n++}", ["mode"] = mode, ["width"] = w, ["height"] = h, ["seed"] = n,
                        ["content"] = n % 2 == 0 ? "noise" : "gradient", ["save"] = save,
                    };
                    if (colors is not null) item["colors"] = colors;
                    cases.Add(item);
                }
        using var dir = new TempFolder();
        File.WriteAllText(dir.File("cases.json"), cases.ToJsonString());
        PilOracle.Run("generate", dir.Path, dir.File("cases.json"));

        // Act + Assert
        var filtersSeen = new HashSet<byte>();
        for (int i = 0; i < n; i++)
        {
            var png = File.ReadAllBytes(dir.File($"c{i}.png"));
            var info = ReadInfo(dir.File($"c{i}.json"));
            var image = PngDecoder.Decode(png);
            Assert.True((info.Width, info.Height, info.Channels) == (image.Width, image.Height, image.Channels),
                $"case c{i} ({info.Mode}): PIL {info.Width}x{info.Height}x{info.Channels}, ours {image.Width}x{image.Height}x{image.Channels}");
            Assert.True(File.ReadAllBytes(dir.File($"c{i}.raw")).AsSpan().SequenceEqual(image.Pixels), $"case c{i} ({info.Mode} {info.Width}x{info.Height}): pixels differ from PIL");
            if (png[25] != 3 && png[24] == 8)
                CollectFilters(png, image.Stride, image.Height, filtersSeen);
        }
        Assert.Equal(260, n);
        // PIL's own adaptive filtering used every filter type somewhere in these files.
        Assert.Equal(new byte[] { 0, 1, 2, 3, 4 }, filtersSeen.Order().ToArray());
    }

    private static void CollectFilters(byte[] png, int stride, int height, HashSet<byte> seen)
    {
        var raw = RawPng.InflateIdat(png);
        for (int r = 0; r < height; r++) seen.Add(raw[r * (stride + 1)]);
    }

    [Fact]
    public void Decode_InterlacedDeepAndSubByteFiles_MatchPil()
    {
        // PIL cannot write interlaced, 16-bit color or 2/4-bit gray PNGs; RawPng does, and PIL decodes them.
        using var dir = new TempFolder();
        var names = new List<string>();
        var ours = new Dictionary<string, Image>();
        int n = 0;
        foreach (var (colorType, depth) in SampleImage.AllValidFormats)
            foreach (bool interlaced in new[] { false, true })
                foreach (var (w, h) in new[] { (1, 1), (3, 5), (13, 9), (37, 21) })
                {
                    var sample = SampleImage.Random(w, h, colorType, depth, seed: n, withTrns: n % 3 == 0);
                    var png = sample.ToPng(interlaced, r => (r + n) % 5);
                    string name = $"r{n++}_{colorType}_{depth}_{(interlaced ? "i" : "n")}";
                    File.WriteAllBytes(dir.File(name + ".png"), png);
                    names.Add(name);
                    ours[name] = PngDecoder.Decode(png);
                }

        PilOracle.Run(["decode", dir.Path, .. names]);

        foreach (var name in names)
        {
            var info = ReadInfo(dir.File(name + ".json"));
            var image = ours[name];
            Assert.True(info.Channels == image.Channels, $"{name}: PIL mode {info.Mode} has {info.Channels} channels, ours {image.Channels}");
            Assert.True(File.ReadAllBytes(dir.File(name + ".raw")).AsSpan().SequenceEqual(image.Pixels), $"{name} (PIL mode {info.Mode}): pixels differ from PIL");
            Assert.Equal(name.EndsWith("_i", StringComparison.Ordinal) ? 1 : 0, info.Interlace);
        }
        Assert.Equal(120, names.Count);
    }

    [Fact]
    public void Encode_PilDecodesOurFiles_ToTheSamePixels()
    {
        using var dir = new TempFolder();
        var expected = new Dictionary<string, Image>();
        int n = 0;
        foreach (int channels in new[] { 1, 2, 3, 4 })
            foreach (var (w, h) in new[] { (1, 1), (3, 5), (257, 3), (48, 40) })
                foreach (var filter in Enum.GetValues<PngFilterMode>())
                {
                    var image = n % 2 == 0
                        ? new Image(w, h, channels, RawPng.RandomBytes(w * h * channels, n))
                        : TestImages.Gradient(w, h, channels, n);
                    var options = new PngEncodeOptions { Filter = filter, CompressionLevel = n % 10, MaxIdatChunkBytes = n % 3 == 0 ? 100 : 65536 };
                    string name = $"e{n++}";
                    File.WriteAllBytes(dir.File(name + ".png"), PngEncoder.Encode(image, options));
                    expected[name] = image;
                }

        PilOracle.Run(["decode", dir.Path, .. expected.Keys]);

        foreach (var (name, image) in expected)
        {
            var info = ReadInfo(dir.File(name + ".json"));
            Assert.Equal((image.Width, image.Height, image.Channels), (info.Width, info.Height, info.Channels));
            Assert.True(File.ReadAllBytes(dir.File(name + ".raw")).AsSpan().SequenceEqual(image.Pixels), $"{name}: PIL decodes other pixels");
        }
        Assert.Equal(96, expected.Count);
    }
}
