using Diffusion.Models.Vae;
using Diffusion.Testing;
using Diffusion.Torch;

namespace Diffusion.Models.Tests;

/// <summary>Geometry of <see cref="VaeTiling"/> (diffusers tiled_decode/tiled_encode): with a pointwise
/// "model" every output pixel is covered, tiles land at the right offsets, and blending identical
/// overlaps reproduces them.</summary>
public sealed class VaeTilingTests
{
    [Theory]
    [InlineData(40, 40, 16, 32)] // decode-like: 16 -> 32 tiles, several rows/columns, ragged edge
    [InlineData(24, 56, 16, 32)]
    [InlineData(64, 48, 32, 16)] // encode-like: 32 -> 16 tiles
    public void Apply_ScaleEquivariantFunction_EqualsWholeInput(int height, int width, int tileIn, int tileOut)
    {
        using var scope = TensorScope.Enter();
        var input = Tensor.Arange(0, height * width * 2, 1).Reshape(1, 2, height, width).Div(100.0);
        // Nearest-neighbour resampling by tileOut/tileIn acts locally, like an ideal translation-equivariant decoder.
        var factor = (double)tileOut / tileIn;
        Tensor Model(Tensor t) => factor >= 1 ? t.InterpolateNearest(factor) : t.AvgPool2d((long)(1 / factor));
        var whole = Model(input);
        var tiled = VaeTiling.Apply(input, tileIn, tileOut, Model);
        Assert.Equal(whole.Shape, tiled.Shape);
        Comparison.AssertClose(whole.ToFloatArray(), tiled.ToFloatArray(), 1e-4, "tiled vs whole");
    }
}
