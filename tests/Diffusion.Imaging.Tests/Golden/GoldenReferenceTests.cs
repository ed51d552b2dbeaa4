using System.Text.Json.Nodes;
using Diffusion.Testing;
using Xunit.Abstractions;

namespace Diffusion.Imaging.Tests;

/// <summary>The golden data of ../shared/reference: PNGs written by PIL from diffusers 0.27.2
/// tensors, and the tensors diffusers made from PNGs. Cases are discovered from the pipeline
/// sidecars (<c>args.image_files</c>), so another reference set works unchanged.</summary>
public class GoldenReferenceTests(ITestOutputHelper output)
{
    private static Image DecodeFile(string relative) => PngDecoder.Decode(File.ReadAllBytes(TestPaths.ReferenceFile(relative)));

    /// <summary>(pipeline case, image_files role, relative PNG path) for every pipeline sidecar.</summary>
    private static IEnumerable<(string Case, string Role, string Path)> ImageFiles()
    {
        foreach (var json in Directory.GetFiles(TestPaths.ReferenceFile("pipelines"), "*.json").Order())
        {
            var files = JsonNode.Parse(File.ReadAllText(json))!["args"]?["image_files"]?.AsObject();
            if (files is null) continue;
            foreach (var (role, path) in files)
                yield return (Path.GetFileNameWithoutExtension(json), role, (string)path!);
        }
    }

    private static SafetensorsFile Pipeline(string name) => new(TestPaths.ReferenceFile("pipelines", name + ".safetensors"));

    [Fact]
    public void Preprocess_VaeInputPng_EqualsEncodeInput()
    {
        var vae = new SafetensorsFile(TestPaths.ReferenceFile("vae.safetensors"));
        var image = DecodeFile("images/vae_input.png");

        var x = VaeImageProcessor.Preprocess(image);

        Assert.Equal(new long[] { 1, 3, image.Height, image.Width }, vae.Shape("encode_input"));
        double diff = Comparison.MaxAbsDiff(vae.Floats("encode_input"), x);
        output.WriteLine($"vae_input.png -> encode_input: max abs diff {diff:G3}");
        Comparison.AssertClose(vae.Floats("encode_input"), x, 1e-7, "encode_input", vae.Shape("encode_input"));
    }

    [Fact]
    public void Postprocess_VaeDecoded_EqualsDecodedImage01()
    {
        var vae = new SafetensorsFile(TestPaths.ReferenceFile("vae.safetensors"));
        var shape = vae.Shape("decoded"); // [B, 3, H, W]

        var nhwc = VaeImageProcessor.Postprocess(vae.Floats("decoded"), (int)shape[0], (int)shape[1], (int)shape[2], (int)shape[3]);

        Assert.Equal(new[] { shape[0], shape[2], shape[3], shape[1] }, vae.Shape("decoded_image_01"));
        Comparison.AssertClose(vae.Floats("decoded_image_01"), nhwc, 1e-7, "decoded_image_01", vae.Shape("decoded_image_01"));
    }

    [Fact]
    public void Preprocess_PipelineInitImages_EqualImagePreprocessed()
    {
        int checkedCount = 0;
        foreach (var (name, role, path) in ImageFiles().Where(f => f.Role == "image"))
        {
            var st = Pipeline(name);
            var x = VaeImageProcessor.Preprocess(DecodeFile(path));
            Comparison.AssertClose(st.Floats("image_preprocessed"), x, 1e-7, $"{name} image_preprocessed", st.Shape("image_preprocessed"));
            checkedCount++;
        }
        output.WriteLine($"{checkedCount} init images match image_preprocessed");
        Assert.True(checkedCount >= 1);
    }

    [Fact]
    public void PreprocessMask_PipelineMasks_EqualMaskPreprocessedAndMaskLatent()
    {
        int checkedCount = 0;
        foreach (var (name, _, path) in ImageFiles().Where(f => f.Role == "mask_image"))
        {
            var st = Pipeline(name);
            var mask = DecodeFile(path);

            var m = MaskProcessor.Preprocess(mask);
            var latentShape = st.Shape("mask_latent"); // [1, 1, h, w]
            var latent = MaskProcessor.ToLatentSize(m, 1, mask.Height, mask.Width, (int)latentShape[2], (int)latentShape[3]);

            Assert.Equal(new long[] { 1, 1, mask.Height, mask.Width }, st.Shape("mask_preprocessed"));
            Comparison.AssertClose(st.Floats("mask_preprocessed"), m, 0, $"{name} mask_preprocessed", st.Shape("mask_preprocessed"));
            Comparison.AssertClose(st.Floats("mask_latent"), latent, 0, $"{name} mask_latent", latentShape);
            Assert.Contains(0f, m);
            Assert.Contains(1f, m);
            checkedCount++;
        }
        output.WriteLine($"{checkedCount} masks match mask_preprocessed and mask_latent");
        Assert.True(checkedCount >= 1);
    }

    [Fact]
    public void Quantize_PipelineImages_EqualOutputPngPixels()
    {
        int checkedCount = 0, values = 0;
        foreach (var (name, role, path) in ImageFiles().Where(f => f.Role.StartsWith("output_", StringComparison.Ordinal)))
        {
            int b = int.Parse(role["output_".Length..]);
            var st = Pipeline(name);
            var shape = st.Shape("image"); // [B, H, W, 3] in [0, 1]
            var images = VaeImageProcessor.ToImages(st.Floats("image"), (int)shape[0], (int)shape[1], (int)shape[2], (int)shape[3]);
            var png = DecodeFile(path);

            Assert.Equal((png.Width, png.Height, png.Channels), (images[b].Width, images[b].Height, images[b].Channels));
            int mismatches = png.Pixels.Zip(images[b].Pixels).Count(p => p.First != p.Second);
            Assert.True(mismatches == 0, $"{name} {role}: {mismatches} of {png.Pixels.Length} bytes differ from {path}");
            checkedCount++;
            values += png.Pixels.Length;
        }
        output.WriteLine($"{checkedCount} output PNGs ({values} bytes) equal the quantized 'image' tensors exactly");
        Assert.True(checkedCount >= 2);
    }

    [Fact]
    public void Encode_ReferenceImages_RoundTripAndReencodeIdentically()
    {
        foreach (var file in Directory.GetFiles(TestPaths.ReferenceFile("images"), "*.png"))
        {
            var image = PngDecoder.Decode(File.ReadAllBytes(file));
            var again = PngDecoder.Decode(PngEncoder.Encode(image));
            Assert.Equal(image.Pixels, again.Pixels);
        }
    }
}
