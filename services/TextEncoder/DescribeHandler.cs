using Diffusion.Contracts.V1;
using Diffusion.Grpc.Server;
using Diffusion.Hosting;

namespace Diffusion.TextEncoder;

/// <summary>TextEncoder.Describe: the model's facts, which the gateway checks against the UNet.</summary>
internal sealed class DescribeHandler(ModelSlot<TextEncoderRuntime> slot)
{
    public Task<TextEncoderDescription> HandleAsync(DescribeRequest request, ServerCallContext context)
    {
        var info = slot.Get().Model.Info;
        return Task.FromResult(new TextEncoderDescription
        {
            Name = info.Name,
            HiddenSize = info.HiddenSize,
            MaxTokens = info.MaxTokens,
            VocabSize = info.VocabSize,
            NumLayers = info.NumLayers,
        });
    }
}
