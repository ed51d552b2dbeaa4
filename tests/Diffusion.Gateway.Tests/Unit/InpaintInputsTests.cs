using Diffusion.Contracts;
using Diffusion.Gateway.Generation;
using Diffusion.Imaging;
using Diffusion.Testing;

namespace Diffusion.Gateway.Tests.Unit;

/// <summary>The gateway's inpainting inputs against diffusers 0.27.2 (pipelines/inpaint_ddim in the golden set).</summary>
public sealed class InpaintInputsTests
{
    [Fact]
    public void LatentMask_GoldenInpaint_EqualsDiffusersInterpolatedMask()
    {
        var (init, mask, golden) = Load();

        var latent = InpaintInputs.LatentMask(mask, 16, 16, count: 1);

        Assert.Equal(golden.Shape("mask_latent"), latent.Shape.ToArray());
        Assert.Equal(golden.Floats("mask_latent"), Tensors.ToFloats(latent));
        Assert.Equal(32, init.Width);
    }

    [Fact]
    public void MaskedImage_GoldenInpaint_EqualsInitTimesKeptMask()
    {
        var (init, mask, golden) = Load();

        var masked = InpaintInputs.MaskedImage(init, mask);

        Assert.Equal(golden.Shape("masked_image"), masked.Shape.ToArray());
        Assert.Equal(golden.Floats("masked_image"), Tensors.ToFloats(masked));
    }

    [Fact]
    public void LatentMask_SeveralImages_RepeatsTheMaskPerImage()
    {
        var (_, mask, golden) = Load();

        var latent = InpaintInputs.LatentMask(mask, 16, 16, count: 3);

        var one = golden.Floats("mask_latent");
        Assert.Equal([3L, 1, 16, 16], latent.Shape);
        Assert.Equal([.. one, .. one, .. one], Tensors.ToFloats(latent));
    }

    private static (Image Init, Image Mask, SafetensorsFile Golden) Load() =>
    (
        PngDecoder.Decode(File.ReadAllBytes(TestPaths.ReferenceFile("images", "inpaint_ddim_init.png"))),
        PngDecoder.Decode(File.ReadAllBytes(TestPaths.ReferenceFile("images", "inpaint_ddim_mask.png"))),
        new SafetensorsFile(TestPaths.ReferenceFile("pipelines", "inpaint_ddim.safetensors"))
    );
}
