using Diffusion.Contracts;
using Diffusion.Contracts.Rpc;
using Diffusion.Contracts.V1;
using Diffusion.Denoiser;
using Diffusion.Grpc.Client;
using Diffusion.Hosting;
using Diffusion.Pipelines.Denoising;
using Diffusion.Schedulers;

namespace Diffusion.Services.Tests;

/// <summary>Requests for the stand-in UNet (cross-attention width 8, 4 latent channels) and the
/// reference they must equal: the same DenoiseJob stepped serially, without engine or network.</summary>
internal static class DenoiseRequests
{
    public const int SequenceLength = 4;
    public const int Width = 8;

    public static Tensor Embeddings(int prompts, float phase)
    {
        var values = new float[prompts * SequenceLength * Width];
        for (int i = 0; i < values.Length; i++) values[i] = MathF.Sin(0.37f * i + phase);
        return Tensors.FromFloats(values, prompts, SequenceLength, Width);
    }

    public static Tensor Latents(int n, int channels, int h, int w, float phase)
    {
        var values = new float[n * channels * h * w];
        for (int i = 0; i < values.Length; i++) values[i] = 0.5f * MathF.Cos(0.11f * i + phase);
        return Tensors.FromFloats(values, n, channels, h, w);
    }

    public static DenoiseRequest Txt2Img(int prompts = 1, float guidance = 1f, int steps = 4, string scheduler = "",
        long seed = 42, int perPrompt = 1, int size = 8)
    {
        var request = new DenoiseRequest
        {
            RequestId = "test",
            CondEmbeddings = Embeddings(prompts, 0f),
            GuidanceScale = guidance,
            Scheduler = scheduler,
            Steps = steps,
            Seed = seed,
            LatentHeight = size,
            LatentWidth = size,
            NumImagesPerPrompt = perPrompt,
        };
        if (guidance > 1f)
            request.UncondEmbeddings = Embeddings(prompts, 1.5f);
        return request;
    }

    /// <summary>Runs <paramref name="request"/> to the end and returns every event.</summary>
    public static async Task<List<DenoiseEvent>> RunAsync(CallInvoker calls, DenoiseRequest request, CancellationToken cancellationToken = default)
    {
        using var call = calls.ServerStreaming(DenoiserMethods.Denoise, request,
            CallOptions.WithTimeout(TimeSpan.FromSeconds(30), cancellationToken));
        var events = new List<DenoiseEvent>();
        await foreach (var e in call.ReadAllAsync(cancellationToken)) events.Add(e);
        return events;
    }

    public static DenoiseResult Result(List<DenoiseEvent> events) =>
        Assert.Single(events, e => e.EventCase == DenoiseEvent.EventOneofCase.Result).Result;

    /// <summary>The request stepped serially on a fresh stand-in UNet.</summary>
    public static float[] Reference(DenoiseRequest request, int inChannels = 4)
    {
        var unet = new StandInUNet(inChannels);
        var config = SchedulerConfig.Parse(StandInProvider.Sd15SchedulerConfig);
        var plan = DenoiseRequestValidator.Validate(request, unet.Info, config, new RequestLimits());
        var job = new DenoiseJob(plan.Spec, plan.Scheduler, new SeededNoiseFactory(), inChannels);
        var spec = plan.Spec;
        using var conditioning = unet.Upload(job.ConditioningRows(), [job.Rows, spec.SequenceLength, spec.EmbeddingDim]);
        int plane = spec.LatentHeight * spec.LatentWidth;
        while (!job.IsDone)
        {
            var input = new float[job.Rows * inChannels * plane];
            job.PrepareInput(input);
            var timesteps = Enumerable.Repeat((float)job.CurrentTimestep, job.Rows).ToArray();
            var output = new float[job.Rows * spec.LatentChannels * plane];
            unet.Predict(input, [job.Rows, inChannels, spec.LatentHeight, spec.LatentWidth], timesteps, [conditioning], output);
            job.CompleteStep(output);
        }
        return job.Latents.ToArray();
    }
}
