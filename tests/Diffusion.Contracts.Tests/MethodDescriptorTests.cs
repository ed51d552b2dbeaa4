using Diffusion.Contracts.Rpc;
using Diffusion.Contracts.V1;
using Diffusion.Grpc;
using Google.Protobuf.Reflection;

namespace Diffusion.Contracts.Tests;

public class MethodDescriptorTests
{
    private static string N(Google.Protobuf.IMessage message) => message.Descriptor.FullName;

    public static TheoryData<string, string, MethodType, string, string> Methods => new()
    {
        { TextEncoderMethods.Encode.FullName, TextEncoderMethods.Encode.ServiceName, TextEncoderMethods.Encode.Type, N(TextEncoderMethods.Encode.RequestParser.ParseFrom([])), N(TextEncoderMethods.Encode.ResponseParser.ParseFrom([])) },
        { TextEncoderMethods.Describe.FullName, TextEncoderMethods.Describe.ServiceName, TextEncoderMethods.Describe.Type, N(TextEncoderMethods.Describe.RequestParser.ParseFrom([])), N(TextEncoderMethods.Describe.ResponseParser.ParseFrom([])) },
        { DenoiserMethods.Denoise.FullName, DenoiserMethods.Denoise.ServiceName, DenoiserMethods.Denoise.Type, N(DenoiserMethods.Denoise.RequestParser.ParseFrom([])), N(DenoiserMethods.Denoise.ResponseParser.ParseFrom([])) },
        { DenoiserMethods.Describe.FullName, DenoiserMethods.Describe.ServiceName, DenoiserMethods.Describe.Type, N(DenoiserMethods.Describe.RequestParser.ParseFrom([])), N(DenoiserMethods.Describe.ResponseParser.ParseFrom([])) },
        { VaeCodecMethods.Decode.FullName, VaeCodecMethods.Decode.ServiceName, VaeCodecMethods.Decode.Type, N(VaeCodecMethods.Decode.RequestParser.ParseFrom([])), N(VaeCodecMethods.Decode.ResponseParser.ParseFrom([])) },
        { VaeCodecMethods.Encode.FullName, VaeCodecMethods.Encode.ServiceName, VaeCodecMethods.Encode.Type, N(VaeCodecMethods.Encode.RequestParser.ParseFrom([])), N(VaeCodecMethods.Encode.ResponseParser.ParseFrom([])) },
        { VaeCodecMethods.Describe.FullName, VaeCodecMethods.Describe.ServiceName, VaeCodecMethods.Describe.Type, N(VaeCodecMethods.Describe.RequestParser.ParseFrom([])), N(VaeCodecMethods.Describe.ResponseParser.ParseFrom([])) },
        { GatewayMethods.Generate.FullName, GatewayMethods.Generate.ServiceName, GatewayMethods.Generate.Type, N(GatewayMethods.Generate.RequestParser.ParseFrom([])), N(GatewayMethods.Generate.ResponseParser.ParseFrom([])) },
        { GatewayMethods.GenerateStream.FullName, GatewayMethods.GenerateStream.ServiceName, GatewayMethods.GenerateStream.Type, N(GatewayMethods.GenerateStream.RequestParser.ParseFrom([])), N(GatewayMethods.GenerateStream.ResponseParser.ParseFrom([])) },
    };

    [Theory]
    [MemberData(nameof(Methods))]
    public void Method_MatchesTheProtoDescriptor(string fullName, string service, MethodType type, string input, string output)
    {
        FileDescriptor[] files = [TextEncoderReflection.Descriptor, DenoiserReflection.Descriptor, VaeCodecReflection.Descriptor, GatewayReflection.Descriptor];
        var svc = files.SelectMany(f => f.Services).Single(s => s.FullName == service);
        var m = svc.Methods.Single(x => fullName == $"/{service}/{x.Name}");
        Assert.Equal(m.InputType.FullName, input);
        Assert.Equal(m.OutputType.FullName, output);
        var expected = m.IsServerStreaming ? (m.IsClientStreaming ? MethodType.DuplexStreaming : MethodType.ServerStreaming) : MethodType.Unary;
        Assert.Equal(expected, type);
    }

    [Fact]
    public void EveryProtoMethod_HasADescriptor()
    {
        FileDescriptor[] files = [TextEncoderReflection.Descriptor, DenoiserReflection.Descriptor, VaeCodecReflection.Descriptor, GatewayReflection.Descriptor];
        var declared = files.SelectMany(f => f.Services).SelectMany(s => s.Methods.Select(m => $"/{s.FullName}/{m.Name}")).Order().ToList();
        var ours = Methods.Select(row => (string)row[0]).Order().ToList();
        Assert.Equal(declared, ours);
    }
}
