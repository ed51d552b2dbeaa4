namespace Diffusion.Imaging.Tests;

public class NearestInterpolationTests
{
    [Theory]
    [InlineData(32, 16, new[] { 0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30 })]
    [InlineData(3, 6, new[] { 0, 0, 1, 1, 2, 2 })]
    [InlineData(5, 3, new[] { 0, 1, 3 })]
    [InlineData(3, 7, new[] { 0, 0, 0, 1, 1, 2, 2 })]
    [InlineData(4, 4, new[] { 0, 1, 2, 3 })]
    public void SourceIndices_FloorOfScaledIndex(int inSize, int outSize, int[] expected)
    {
        Assert.Equal(expected, NearestInterpolation.SourceIndices(inSize, outSize));
    }

    [TorchFact]
    public void Resize_OddSizes_MatchTorchInterpolateNearest()
    {
        (int H, int W, int OH, int OW)[] cases = [(32, 32, 16, 16), (7, 5, 3, 2), (3, 5, 7, 9), (48, 32, 6, 4), (13, 8, 8, 13), (64, 9, 9, 64), (100, 33, 33, 100), (5, 5, 10, 10), (97, 89, 12, 11)];
        const int B = 2, C = 3;
        var rng = new Random(3);
        using var dir = new TempFolder();
        var inputs = new List<float[]>();
        var spec = new List<object>();
        for (int i = 0; i < cases.Length; i++)
        {
            var (h, w, oh, ow) = cases[i];
            var x = Enumerable.Range(0, B * C * h * w).Select(_ => (float)rng.NextDouble()).ToArray();
            File.WriteAllBytes(dir.File($"x{i}.f32"), x.SelectMany(BitConverter.GetBytes).ToArray());
            inputs.Add(x);
            spec.Add(new { input = dir.File($"x{i}.f32"), output = dir.File($"y{i}.f32"), b = B, c = C, h, w, oh, ow });
        }
        File.WriteAllText(dir.File("cases.json"), System.Text.Json.JsonSerializer.Serialize(spec));

        PilOracle.Run("nearest", dir.File("cases.json"));

        for (int i = 0; i < cases.Length; i++)
        {
            var (h, w, oh, ow) = cases[i];
            var ours = NearestInterpolation.Resize(inputs[i], B, C, h, w, oh, ow);
            var bytes = File.ReadAllBytes(dir.File($"y{i}.f32"));
            var torch = Enumerable.Range(0, bytes.Length / 4).Select(k => BitConverter.ToSingle(bytes, k * 4)).ToArray();
            Assert.True(torch.SequenceEqual(ours), $"{h}x{w} -> {oh}x{ow} differs from torch");
        }
    }
}
