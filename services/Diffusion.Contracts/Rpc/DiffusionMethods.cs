using Diffusion.Contracts.V1;
using Diffusion.Grpc;

namespace Diffusion.Contracts.Rpc;

/// <summary>The methods of the diffusion.v1 services, shared by servers and clients. Their wire
/// names come from the .proto files (a test checks them against the generated descriptors).</summary>
public static class TextEncoderMethods
{
    public const string Service = "diffusion.v1.TextEncoder";
    public static readonly Method<EncodeTextRequest, EncodeTextResponse> Encode =
        new(MethodType.Unary, Service, "Encode", EncodeTextRequest.Parser, EncodeTextResponse.Parser);
    public static readonly Method<DescribeRequest, TextEncoderDescription> Describe =
        new(MethodType.Unary, Service, "Describe", DescribeRequest.Parser, TextEncoderDescription.Parser);
}

public static class DenoiserMethods
{
    public const string Service = "diffusion.v1.Denoiser";
    public static readonly Method<DenoiseRequest, DenoiseEvent> Denoise =
        new(MethodType.ServerStreaming, Service, "Denoise", DenoiseRequest.Parser, DenoiseEvent.Parser);
    public static readonly Method<DescribeRequest, DenoiserDescription> Describe =
        new(MethodType.Unary, Service, "Describe", DescribeRequest.Parser, DenoiserDescription.Parser);
}

public static class VaeCodecMethods
{
    public const string Service = "diffusion.v1.VaeCodec";
    public static readonly Method<DecodeRequest, DecodeResponse> Decode =
        new(MethodType.Unary, Service, "Decode", DecodeRequest.Parser, DecodeResponse.Parser);
    public static readonly Method<EncodeImageRequest, EncodeImageResponse> Encode =
        new(MethodType.Unary, Service, "Encode", EncodeImageRequest.Parser, EncodeImageResponse.Parser);
    public static readonly Method<DescribeRequest, VaeDescription> Describe =
        new(MethodType.Unary, Service, "Describe", DescribeRequest.Parser, VaeDescription.Parser);
}

public static class GatewayMethods
{
    public const string Service = "diffusion.v1.Gateway";
    public static readonly Method<GenerateRequest, GenerateResponse> Generate =
        new(MethodType.Unary, Service, "Generate", GenerateRequest.Parser, GenerateResponse.Parser);
    public static readonly Method<GenerateRequest, GenerateEvent> GenerateStream =
        new(MethodType.ServerStreaming, Service, "GenerateStream", GenerateRequest.Parser, GenerateEvent.Parser);
}
