using Diffusion.Models.Vae;
using Diffusion.Testing;
using Diffusion.Torch;

namespace Diffusion.Models.Tests;

/// <summary>Parity of <see cref="AutoencoderKL"/> with diffusers 0.27.2 on the shared tiny VAE (vae.safetensors).</summary>
public sealed class VaeParityTests
{
    private const double Tolerance = 1e-4;

    private static string VaeDir => TestPaths.ReferenceFile("tiny_sd", "vae");

    private static SafetensorsFile Golden() => new(TestPaths.ReferenceFile("vae.safetensors"));

    private static float[] Floats(Tensor t)
    {
        using var f = t.To(ScalarType.Float32).DetachFromScope();
        return f.ToFloatArray();
    }

    private static Tensor Input(SafetensorsFile golden, string key) => Tensor.FromArray(golden.Floats(key), golden.Shape(key));

    [Fact]
    public void Decode_ScaledLatents_MatchesDiffusers()
    {
        var golden = Golden();
        using var model = AutoencoderKL.Load(VaeDir);
        using var scope = TensorScope.Enter();
        // The golden decode_input is latents / scaling_factor; check the config-driven division too.
        using var divided = Input(golden, "latents").Div(model.Config.ScalingFactor);
        Comparison.AssertClose(golden.Floats("decode_input"), Floats(divided), 1e-6, "decode_input");
        var decoded = model.Decode(Input(golden, "decode_input"));
        Assert.Equal(golden.Shape("decoded"), decoded.Shape);
        Comparison.AssertClose(golden.Floats("decoded"), Floats(decoded), Tolerance, "decoded");
    }

    [Fact]
    public void Encode_Image_MatchesDiffusersMomentsAndDistribution()
    {
        var golden = Golden();
        using var model = AutoencoderKL.Load(VaeDir);
        using var scope = TensorScope.Enter();
        var image = Input(golden, "encode_input");
        Comparison.AssertClose(golden.Floats("encode_moments"), Floats(model.EncodeMoments(image)), Tolerance, "encode_moments");
        var (mean, logVar) = model.Encode(image);
        Assert.Equal(golden.Shape("latent_dist_mean"), mean.Shape);
        Comparison.AssertClose(golden.Floats("latent_dist_mean"), Floats(mean), Tolerance, "latent_dist_mean");
        Comparison.AssertClose(golden.Floats("latent_dist_logvar"), Floats(logVar), Tolerance, "latent_dist_logvar");
    }

    [Fact]
    public void Load_ConfigValues_ComeFromConfigJson()
    {
        var config = AutoencoderKLConfig.Load(Path.Combine(VaeDir, "config.json"));
        Assert.Equal(0.18215, config.ScalingFactor, 10);
        Assert.Equal(2, config.DownscaleFactor); // two blocks -> 2^(2-1), not SD's 8
        Assert.Equal(4, config.LatentChannels);
    }

    [Fact]
    public void Decode_BFloat16Model_RunsCloseToFloat32Reference()
    {
        var golden = Golden();
        using var model = AutoencoderKL.Load(VaeDir, ScalarType.BFloat16);
        using var scope = TensorScope.Enter();
        var decoded = model.Decode(Input(golden, "decode_input").To(ScalarType.BFloat16));
        Assert.Equal(ScalarType.BFloat16, decoded.Dtype);
        var expected = golden.Floats("decoded");
        var diff = Comparison.MaxAbsDiff(expected, Floats(decoded));
        var scale = expected.Max(MathF.Abs);
        Assert.True(diff < 0.1 * scale, $"bfloat16 decoded max abs diff {diff} (values up to {scale})");
    }

    [Fact]
    public void Load_DeprecatedAttentionKeyNames_DecodesLikeCurrentNames()
    {
        // Older diffusers VAE checkpoints name the mid-block attention query/key/value/proj_attn.
        var dir = Directory.CreateTempSubdirectory("vae-deprecated-").FullName;
        try
        {
            File.Copy(Path.Combine(VaeDir, "config.json"), Path.Combine(dir, "config.json"));
            using (var original = AutoencoderKL.Load(VaeDir))
            {
                var renamed = original.StateDict().Select(kv => KeyValuePair.Create(kv.Key
                    .Replace(".to_q.", ".query.", StringComparison.Ordinal).Replace(".to_k.", ".key.", StringComparison.Ordinal)
                    .Replace(".to_v.", ".value.", StringComparison.Ordinal).Replace(".to_out.0.", ".proj_attn.", StringComparison.Ordinal), kv.Value)).ToList();
                Assert.Contains(renamed, kv => kv.Key == "decoder.mid_block.attentions.0.proj_attn.weight");
                Diffusion.Torch.Safetensors.SafetensorsWriter.Write(Path.Combine(dir, "diffusion_pytorch_model.safetensors"), renamed);
            }
            var golden = Golden();
            using var model = AutoencoderKL.Load(dir);
            using var scope = TensorScope.Enter();
            Comparison.AssertClose(golden.Floats("decoded"), Floats(model.Decode(Input(golden, "decode_input"))), Tolerance, "decoded");
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
