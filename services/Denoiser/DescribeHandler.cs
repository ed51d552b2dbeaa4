using Diffusion.Contracts.V1;
using Diffusion.Grpc.Server;
using Diffusion.Hosting;
using Diffusion.Schedulers;
using Microsoft.Extensions.Options;

namespace Diffusion.Denoiser;

/// <summary>Denoiser.Describe: the UNet's facts, the schedulers on offer and the batching limit.</summary>
internal sealed class DescribeHandler(ModelSlot<DenoiserRuntime> slot, IOptions<DenoiserOptions> options)
{
    public Task<DenoiserDescription> HandleAsync(DescribeRequest request, ServerCallContext context)
    {
        var runtime = slot.Get();
        var info = runtime.UNet.Info;
        var config = runtime.SchedulerConfig;
        var description = new DenoiserDescription
        {
            Model = info.Name,
            InChannels = info.InChannels,
            OutChannels = info.OutChannels,
            SampleSize = info.SampleSize,
            CrossAttentionDim = info.CrossAttentionDim,
            // diffusers: the UNet predicts what the scheduler config says (epsilon unless v-prediction).
            PredictionType = config.IsNull("prediction_type") ? "epsilon" : config.Display("prediction_type"),
            DefaultScheduler = config.ClassName ?? "",
            Device = info.Device,
            Dtype = info.DType,
            MaxBatch = options.Value.MaxBatchRows,
        };
        // UI names first, then the diffusers class names: a request may use either.
        description.Schedulers.Add(SchedulerFactory.Names);
        description.Schedulers.Add(SchedulerFactory.ClassNames.Except(SchedulerFactory.Names, StringComparer.OrdinalIgnoreCase));
        return Task.FromResult(description);
    }
}
