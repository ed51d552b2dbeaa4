using Diffusion.Contracts.V1;
using Diffusion.Grpc.Server;
using Diffusion.Hosting;

namespace Diffusion.VaeCodec;

/// <summary>VaeCodec.Describe: the VAE's facts (scaling factor, latent channels, downscale factor).</summary>
internal sealed class DescribeHandler(ModelSlot<VaeRuntime> slot)
{
    public Task<VaeDescription> HandleAsync(DescribeRequest request, ServerCallContext context)
    {
        var info = slot.Get().Model.Info;
        return Task.FromResult(new VaeDescription
        {
            Model = info.Name,
            ScalingFactor = info.ScalingFactor,
            LatentChannels = info.LatentChannels,
            DownscaleFactor = info.DownscaleFactor,
            Device = info.Device,
            Dtype = info.DType,
        });
    }
}
