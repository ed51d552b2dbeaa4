using Diffusion.Schedulers.Internal;

namespace Diffusion.Schedulers.Tests;

/// <summary>
/// The ported float32 routines against the libraries diffusers runs on. Constants: printed by
/// Oracle/numeric_constants.py with torch 1.13 / numpy 1.24 / scipy 1.10 (the reference generator's
/// versions); the inputs are ones where the library differs from the correctly rounded result, so
/// .NET's MathF would fail these tests.
/// </summary>
public sealed class NumericsTests
{
    public static TheoryData<uint, uint> TorchExp => Pairs(
        (0x40D17946, 0x442E1F62), (0x3EBFCBBE, 0x3FBA2A28), (0xBF278E1F, 0x3F050AC2), (0xBF9EFA5B, 0x3E93DDCE),
        (0x3EBBA5C9, 0x3FB8A996), (0xC0D0C2FD, 0x3AC06C78), (0x40E3DD5C, 0x449AACF2), (0xBF179118, 0x3F0D9DB8));

    public static TheoryData<uint, uint> TorchLog => Pairs(
        (0x41157AB8, 0x400F0331), (0x3F8BB259, 0x3DB31568), (0x3F858114, 0x3D2C73F2), (0x4130CD54, 0x4019C19D),
        (0x412BA855, 0x4017DDCE), (0x3F3A4E48, 0xBEA2B51F), (0x406261CB, 0x3FA1B526), (0x40CE57EF, 0x3FEE9134));

    public static TheoryData<uint, uint> TorchExpm1 => Pairs(
        (0x401F3BC9, 0x41309976), (0x3E35A474, 0x3E46BFC4), (0xBE570DA0, 0xBE41F8F3), (0xBEA27CDC, 0xBE8B3A7B),
        (0xBEBD777E, 0xBE9E5CCE), (0x3F88A68C, 0x3FF44480), (0x400F1FCE, 0x4105BD9C), (0x3E5564F4, 0x3E6D41FC));

    public static TheoryData<uint, uint> NumpyLog => Pairs(
        (0x40CC2403, 0x3FED3183), (0x40B5D0BA, 0x3FDE5E64), (0x4127C50F, 0x40166676), (0x402AEB8E, 0x3F7B78E2),
        (0x40BED961, 0x3FE4935E), (0x40AE6011, 0x3FD90548), (0x410C4CED, 0x400AF4E8), (0x4079436A, 0x3FAE0841));

    [Theory]
    [MemberData(nameof(TorchExp))]
    public void SleefExp_InputsWhereGlibcDiffers_MatchesTorch(uint x, uint expected) =>
        Assert.Equal(expected, Bits(SleefMath.Exp(Float(x))));

    [Theory]
    [MemberData(nameof(TorchLog))]
    public void SleefLog_InputsWhereGlibcDiffers_MatchesTorch(uint x, uint expected) =>
        Assert.Equal(expected, Bits(SleefMath.Log(Float(x))));

    [Theory]
    [MemberData(nameof(TorchExpm1))]
    public void SleefExpm1_InputsWhereCorrectRoundingDiffers_MatchesTorch(uint x, uint expected) =>
        Assert.Equal(expected, Bits(SleefMath.Expm1(Float(x))));

    [Theory]
    [MemberData(nameof(NumpyLog))]
    public void NumpyLogFloat32_InputsWhereCorrectRoundingDiffers_MatchesNumpy(uint x, uint expected) =>
        Assert.Equal(expected, Bits(NumpyMath.LogFloat32(Float(x))));

    [Fact]
    public void SleefAndNumpyLog_SpecialValues_FollowIeee()
    {
        Assert.Equal(float.NegativeInfinity, SleefMath.Log(0f));
        Assert.True(float.IsNaN(SleefMath.Log(-1f)));
        Assert.Equal(float.PositiveInfinity, SleefMath.Exp(200f));
        Assert.Equal(0f, SleefMath.Exp(-200f));
        Assert.Equal(-1f, SleefMath.Expm1(-30f));
        Assert.Equal(float.NegativeInfinity, NumpyMath.LogFloat32(0f));
        Assert.Equal(0f, NumpyMath.LogFloat32(1f));
    }

    public static TheoryData<int, int, double[]> LmsWeights => new()
    {
        { 1, 0, [-3.256253719329834] },
        { 2, 1, [-2.276831051045318, 0.490162250696214] },
        { 3, 2, [-1.5201040171487767, 0.5495645396772185, -0.08437023594680314] },
        { 4, 5, [-0.5725403542993701, 0.3408680711258669, -0.11369544772149268, 0.012804508911429249] },
        { 4, 9, [-0.04709321509237407, 0.011560111888152867, -0.007344926927746252, 0.0015635496118613199] },
    };

    [Theory]
    [MemberData(nameof(LmsWeights))]
    public void LmsCoefficient_SdTenStepSigmas_EqualsScipyQuadBitForBit(int order, int t, double[] expected)
    {
        float[] sigmas =
        [
            8.390686988830566f, 5.134433269500732f, 3.347764492034912f, 2.2928547859191895f, 1.6236928701400757f,
            1.1682164669036865f, 0.8356532454490662f, 0.5740507245063782f, 0.3461872935295105f, 0.04131447896361351f, 0f,
        ];
        for (int k = 0; k < order; k++)
        {
            double actual = LmsCoefficients.Coefficient(sigmas, order, t, k);
            Assert.True(actual == expected[k], $"order {order}, t {t}, k {k}: {actual:R} vs scipy {expected[k]:R}");
            // The exact float64 integral (the fallback) is within 1e-6 of diffusers' float32-integrand quad.
            double exact = LmsCoefficients.Exact(sigmas[(t - order + 1)..(t + 1)].Reverse().ToArray(), k, sigmas[t], sigmas[t + 1]);
            Assert.True(Math.Abs(exact - expected[k]) < 1e-6, $"exact {exact:R} vs scipy {expected[k]:R}");
        }
    }

    [Theory]
    [InlineData(0xBF4FF2E5u, 0x3ED1EB85u, 0x3E8A3D71u, 0x3D9E3530u, 0x3EAA5E39u)]
    [InlineData(0xBFD9999Au, 0x3EA8F5C3u, 0x3F68F5C3u, 0xBE5BF86Au, 0x3F0B78FCu)]
    [InlineData(0xBE9EB852u, 0xBF051EB8u, 0x3E3851ECu, 0xBF08CB3Cu, 0x3C6B2116u)]
    public void LinearSolve_UniPcTwoByTwo_MatchesTorchLinalgSolveBitForBit(uint r, uint b0, uint b1, uint x0, uint x1)
    {
        var a = new float[,] { { 1f, 1f }, { Float(r), 1f } };

        var x = LinearSolver.Solve(a, [Float(b0), Float(b1)]);

        Assert.Equal(x0, Bits(x[0]));
        Assert.Equal(x1, Bits(x[1]));
    }

    [Fact]
    public void LinspaceFloat32_SdScaledLinearBetas_MatchReferenceBitForBit()
    {
        // torch.linspace(0.00085 ** 0.5, 0.012 ** 0.5, 1000) ** 2, compared with reference/schedulers/euler betas.
        var reference = new Diffusion.Testing.SafetensorsFile(Diffusion.Testing.TestPaths.ReferenceFile("schedulers", "euler.safetensors")).Floats("betas");

        var root = TorchMath.LinspaceFloat32(Math.Sqrt(0.00085), Math.Sqrt(0.012), 1000);

        for (int i = 0; i < root.Length; i++) Assert.Equal(Bits(reference[i]), Bits(root[i] * root[i]));
    }

    [Fact]
    public void NumpyArange_TrailingStepRatio_HasNumpyLengthAndValues()
    {
        var a = NumpyMath.Arange(1000, 0, -1000.0 / 7);

        Assert.Equal(7, a.Length);
        Assert.Equal(1000.0, a[0]);
        Assert.Equal(1000 + 3 * ((1000 - 1000.0 / 7) - 1000), a[3]);
    }

    private static TheoryData<uint, uint> Pairs(params (uint X, uint Y)[] pairs)
    {
        var data = new TheoryData<uint, uint>();
        foreach (var (x, y) in pairs) data.Add(x, y);
        return data;
    }

    private static float Float(uint bits) => BitConverter.Int32BitsToSingle(unchecked((int)bits));

    private static uint Bits(float x) => unchecked((uint)BitConverter.SingleToInt32Bits(x));
}
