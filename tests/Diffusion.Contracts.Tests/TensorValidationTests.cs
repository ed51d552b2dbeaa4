using Diffusion.Contracts.V1;
using Google.Protobuf;

namespace Diffusion.Contracts.Tests;

public class TensorValidationTests
{
    private static Tensor Make(DType dtype, byte[] data, params long[] shape)
    {
        var t = new Tensor { Dtype = dtype, Data = ByteString.CopyFrom(data) };
        t.Shape.Add(shape);
        return t;
    }

    [Fact]
    public void Validate_WellFormedF32_ReturnsElementCount()
    {
        var t = Make(DType.F32, new byte[2 * 3 * 4], 2, 3);
        Assert.Equal(6, TensorValidation.Validate(t, "x"));
    }

    [Theory]
    [InlineData(DType.F32, 4)]
    [InlineData(DType.F16, 2)]
    [InlineData(DType.Bf16, 2)]
    [InlineData(DType.U8, 1)]
    [InlineData(DType.I64, 8)]
    public void Validate_EachDtype_UsesItsElementSize(DType dtype, int size)
    {
        Assert.Equal(5, TensorValidation.Validate(Make(dtype, new byte[5 * size], 5), "x"));
        var ex = Assert.Throws<TensorValidationException>(() => TensorValidation.Validate(Make(dtype, new byte[5 * size + 1], 5), "x"));
        Assert.Contains("bytes", ex.Message);
    }

    [Fact]
    public void Validate_ScalarTensor_HasOneElement()
    {
        Assert.Equal(1, TensorValidation.Validate(Make(DType.F32, new byte[4]), "t"));
    }

    public static TheoryData<string, Tensor?, string> Malformed => new()
    {
        { "missing", null, "missing" },
        { "unspecified dtype", Make(DType.Unspecified, new byte[4], 1), "dtype" },
        { "unknown dtype value", Make((DType)42, new byte[4], 1), "dtype" },
        { "too few bytes", Make(DType.F32, new byte[20], 2, 3), "needs 24" },
        { "too many bytes", Make(DType.F32, new byte[28], 2, 3), "needs 24" },
        { "negative dimension", Make(DType.F32, new byte[4], -1, 1), "negative" },
        { "dimension over limit", Make(DType.U8, new byte[1], (1 << 20) + 1), "over the limit" },
        { "rank over limit", Make(DType.U8, new byte[1], 1, 1, 1, 1, 1, 1, 1, 1, 1), "rank 9" },
        { "element count over limit", Make(DType.U8, new byte[1], 1 << 20, 1 << 20), "more than" },
        { "overflowing product", Make(DType.U8, new byte[1], 1 << 20, 1 << 20, 1 << 20, 1 << 20), "more than" },
    };

    [Theory]
    [MemberData(nameof(Malformed))]
    public void Validate_MalformedTensor_ThrowsNamingTheField(string scenario, Tensor? tensor, string expected)
    {
        var ex = Assert.Throws<TensorValidationException>(() => TensorValidation.Validate(tensor, "cond_embeddings"));
        Assert.Equal("cond_embeddings", ex.Field);
        Assert.StartsWith("cond_embeddings: ", ex.Message);
        Assert.Contains(expected, ex.Message);
        Assert.False(string.IsNullOrWhiteSpace(scenario));
    }

    [Fact]
    public void Validate_WrongRank_ThrowsWithShape()
    {
        var ex = Assert.Throws<TensorValidationException>(() =>
            TensorValidation.Validate(Make(DType.F32, new byte[24], 2, 3), "latents", expectedRank: 4));
        Assert.Contains("[2, 3]", ex.Message);
        Assert.Contains("rank 4", ex.Message);
    }

    [Fact]
    public void Validate_DisallowedDtype_NamesAccepted()
    {
        var ex = Assert.Throws<TensorValidationException>(() =>
            TensorValidation.Validate(Make(DType.I64, new byte[8], 1), "mask", allowed: [DType.F32, DType.F16]));
        Assert.Contains("F32 or F16", ex.Message);
    }

    [Fact]
    public void Validate_CustomLimits_AreEnforced()
    {
        var limits = new TensorLimits(MaxRank: 2, MaxDimension: 4, MaxElements: 8);
        Assert.Throws<TensorValidationException>(() => TensorValidation.Validate(Make(DType.U8, new byte[9], 3, 3), "x", limits));
        Assert.Throws<TensorValidationException>(() => TensorValidation.Validate(Make(DType.U8, new byte[5], 5), "x", limits));
        Assert.Equal(8, TensorValidation.Validate(Make(DType.U8, new byte[8], 2, 4), "x", limits));
    }

    [Fact]
    public void Tensors_FloatRoundTrip_PreservesValuesAndShape()
    {
        float[] values = [1.5f, -2f, float.Epsilon, 3e38f];
        var t = Tensors.FromFloats(values, 2, 2);
        Assert.Equal(4, TensorValidation.Validate(t, "x"));
        Assert.Equal(values, Tensors.ToFloats(t));
        Assert.Equal(new long[] { 2, 2 }, Tensors.Shape(t));
    }

    [Fact]
    public void Protos_Compile_AllServicesHaveTheirMessages()
    {
        // The descriptors protoc generated must describe the contract's services.
        Assert.Equal("diffusion.v1.Denoiser", DenoiserReflection.Descriptor.Services[0].FullName);
        Assert.True(DenoiserReflection.Descriptor.Services[0].FindMethodByName("Denoise").IsServerStreaming);
        Assert.Equal("diffusion.v1.Gateway", GatewayReflection.Descriptor.Services[0].FullName);
        Assert.Equal("diffusion.v1.TextEncoder", TextEncoderReflection.Descriptor.Services[0].FullName);
        Assert.Equal("diffusion.v1.VaeCodec", VaeCodecReflection.Descriptor.Services[0].FullName);
    }
}
