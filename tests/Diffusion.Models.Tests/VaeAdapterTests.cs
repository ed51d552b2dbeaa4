using Diffusion.Models.Adapters;
using Diffusion.Testing;
using Diffusion.Torch;

namespace Diffusion.Models.Tests;

/// <summary><see cref="TorchVaeModel"/> (managed-array interface) against diffusers' outputs.</summary>
public sealed class VaeAdapterTests
{
    private static string ModelDir => TestPaths.ReferenceFile("tiny_sd");

    [Fact]
    public void Decode_GoldenLatents_MatchesDiffusers()
    {
        var golden = new SafetensorsFile(TestPaths.ReferenceFile("vae.safetensors"));
        using var vae = TorchVaeModel.Load(ModelDir, Device.Cpu, ScalarType.Float32);
        Assert.Equal(0.18215, vae.Info.ScalingFactor, 10);
        Assert.Equal(2, vae.Info.DownscaleFactor);
        var decoded = vae.Decode(golden.Floats("decode_input"), golden.Shape("decode_input"), tiled: false);
        Comparison.AssertClose(golden.Floats("decoded"), decoded, 1e-4, "decoded");
    }

    [Fact]
    public void Encode_GoldenImage_MatchesDiffusersDistribution()
    {
        var golden = new SafetensorsFile(TestPaths.ReferenceFile("vae.safetensors"));
        using var vae = TorchVaeModel.Load(ModelDir, Device.Cpu, ScalarType.Float32);
        var (mean, logVar, shape) = vae.Encode(golden.Floats("encode_input"), golden.Shape("encode_input"), tiled: false);
        Assert.Equal(golden.Shape("latent_dist_mean"), shape);
        Comparison.AssertClose(golden.Floats("latent_dist_mean"), mean, 1e-4, "latent_dist_mean");
        Comparison.AssertClose(golden.Floats("latent_dist_logvar"), logVar, 1e-4, "latent_dist_logvar");
    }

    [Fact]
    public void Decode_TiledWithinOneTile_EqualsUntiled()
    {
        var golden = new SafetensorsFile(TestPaths.ReferenceFile("vae.safetensors"));
        using var vae = TorchVaeModel.Load(ModelDir, Device.Cpu, ScalarType.Float32);
        // 16x16 latents = tile_latent_min_size of this VAE (sample_size 32 / 2): diffusers does not tile.
        var plain = vae.Decode(golden.Floats("decode_input"), golden.Shape("decode_input"), tiled: false);
        var tiled = vae.Decode(golden.Floats("decode_input"), golden.Shape("decode_input"), tiled: true);
        Assert.Equal(plain, tiled);
    }

    [Fact]
    public void Decode_TiledLargeLatents_HasFullSizeAndStaysCloseToUntiled()
    {
        using var vae = TorchVaeModel.Load(ModelDir, Device.Cpu, ScalarType.Float32);
        var data = new float[1 * 4 * 40 * 40];
        using (var g = new Generator(3))
        using (var noise = g.Randn([data.Length]))
            noise.CopyTo<float>(data);
        var plain = vae.Decode(data, [1, 4, 40, 40], tiled: false);
        var tiled = vae.Decode(data, [1, 4, 40, 40], tiled: true);
        Assert.Equal(plain.Length, tiled.Length);
        // Tiles see less context than the whole image (different GroupNorm statistics and attention), so
        // the result differs, but it is a blend of decodes of the same content, not garbage.
        var diff = Comparison.MaxAbsDiff(plain, tiled);
        Assert.True(diff > 0, "large latents should have been tiled");
        var scale = plain.Max(MathF.Abs);
        Assert.True(diff < scale, $"tiled decode differs by {diff} (values up to {scale})");
    }

    [Fact]
    public void Load_Float16WithForceUpcast_RunsInFloat32FromFp16Weights()
    {
        var golden = new SafetensorsFile(TestPaths.ReferenceFile("vae.safetensors"));
        using var vae = TorchVaeModel.Load(ModelDir, Device.Cpu, ScalarType.Float16); // tiny config: force_upcast true
        Assert.Equal("f32", vae.Info.DType);
        Assert.Equal(ScalarType.Float32, vae.Module.Dtype);
        var decoded = vae.Decode(golden.Floats("decode_input"), golden.Shape("decode_input"), tiled: false);
        // fp16-rounded weights (~5e-4 relative) computed in float32: close to the float32 reference, not equal.
        var diff = Comparison.MaxAbsDiff(golden.Floats("decoded"), decoded);
        Assert.True(diff is > 0 and < 2e-2, $"decoded max abs diff {diff}");
    }
}
