using System.Collections.Concurrent;
using Diffusion.Contracts;
using Diffusion.Contracts.Rpc;
using Diffusion.Contracts.V1;
using Diffusion.Grpc;
using Diffusion.Grpc.Server;
using Microsoft.AspNetCore.Builder;

namespace Diffusion.Gateway.Tests.Fakes;

/// <summary>
/// A Denoiser whose "denoising" is a deterministic map of (latents, step, request), so a run
/// resumed from any checkpoint ends exactly where the uninterrupted run ends, as the real
/// contract promises. It streams progress and checkpoints as asked and can be made to die
/// mid-stream.
/// </summary>
internal sealed class FakeDenoiser
{
    private int _denoiseCalls;

    public DenoiserDescription Description { get; set; } = CreateDescription();

    public ConcurrentQueue<Received<DenoiseRequest>> Calls { get; } = new();

    /// <summary>Checkpoints this replica sent, in order.</summary>
    public ConcurrentQueue<Checkpoint> SentCheckpoints { get; } = new();

    /// <summary>Runs before a Denoise call streams anything; throw to fail it.</summary>
    public FaultHook? OnDenoise { get; set; }

    /// <summary>Wall time of one step.</summary>
    public TimeSpan StepDelay { get; set; }

    /// <summary>
    /// Asked after each checkpoint is sent (with the steps done); true kills the stream there: the
    /// HTTP/2 stream is reset as when a pod dies, and <see cref="OnKilled"/> runs.
    /// </summary>
    public Func<int, bool>? KillAfterCheckpoint { get; set; }

    /// <summary>Runs once the stream was killed (e.g. to stop the whole replica).</summary>
    public Action? OnKilled { get; set; }

    /// <summary>Asked after each checkpoint is sent; a status ends the stream with it there.</summary>
    public Func<int, RpcException?>? FailAfterCheckpoint { get; set; }

    /// <summary>Signals when a Denoise call has started streaming.</summary>
    public TaskCompletionSource Started { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public int DenoiseCalls => Volatile.Read(ref _denoiseCalls);

    public static DenoiserDescription CreateDescription()
    {
        var d = new DenoiserDescription
        {
            Model = "fake-unet",
            InChannels = 4,
            OutChannels = 4,
            SampleSize = 8,
            CrossAttentionDim = 32,
            PredictionType = "epsilon",
            DefaultScheduler = "PNDMScheduler",
            Device = "cpu",
            Dtype = "F32",
            MaxBatch = 8,
        };
        d.Schedulers.Add(["PNDMScheduler", "EulerDiscreteScheduler", "DDIMScheduler", "Euler a"]);
        return d;
    }

    public void Map(WebApplication app)
    {
        app.MapGrpcUnary(DenoiserMethods.Describe, (_, _) => Task.FromResult(Description));
        app.MapGrpcServerStreaming(DenoiserMethods.Denoise, DenoiseAsync);
    }

    /// <summary>The steps a request runs: all, or int(steps * strength) with image latents (diffusers get_timesteps).</summary>
    public static int TotalSteps(DenoiseRequest request) =>
        request.ImageLatents is not null ? (int)(request.Steps * request.Strength) : request.Steps;

    /// <summary>The initial latents of a request: its latents= or noise from its seed.</summary>
    public static float[] InitialLatents(DenoiseRequest request)
    {
        int size = request.NumImagesPerPrompt * 4 * request.LatentHeight * request.LatentWidth;
        if (request.InitialLatents is not null)
            return Tensors.ToFloats(request.InitialLatents);
        var noise = FakeData.NoiseArray(request.Seed + 1000 * request.RngDrawsBeforeNoise.Count, size);
        if (request.ImageLatents is not null)
        {
            var image = Tensors.ToFloats(request.ImageLatents);
            for (int i = 0; i < size; i++)
                noise[i] = 0.5f * noise[i] + image[i];
        }
        return noise;
    }

    /// <summary>One deterministic "step".</summary>
    public static void Step(float[] latents, int step, DenoiseRequest request)
    {
        float pull = FakeData.Noise(request.Seed, step) * 0.01f + request.GuidanceScale * 0.001f;
        float cond = Tensors.ToFloats(request.CondEmbeddings)[step % 16] * 0.01f;
        for (int i = 0; i < latents.Length; i++)
            latents[i] = latents[i] * 0.9f + pull + cond;
    }

    private async Task DenoiseAsync(DenoiseRequest request, IServerStreamWriter<DenoiseEvent> writer, ServerCallContext context)
    {
        Calls.Enqueue(Received<DenoiseRequest>.From(request, context));
        int index = Interlocked.Increment(ref _denoiseCalls) - 1;
        if (OnDenoise is { } fault)
            await fault(index, context);
        Started.TrySetResult();

        int total = TotalSteps(request);
        int start = request.Resume?.Step ?? 0;
        var latents = request.Resume is { } resume ? Tensors.ToFloats(resume.Latents) : InitialLatents(request);
        long[] shape = [request.NumImagesPerPrompt, 4, request.LatentHeight, request.LatentWidth];
        for (int step = start; step < total; step++)
        {
            if (StepDelay > TimeSpan.Zero)
                await Task.Delay(StepDelay, context.CancellationToken);
            Step(latents, step, request);
            await writer.WriteAsync(new DenoiseEvent { Progress = new Progress { Step = step + 1, Total = total, Timestep = 999 - step } });
            if (request.CheckpointEvery > 0 && (step + 1) % request.CheckpointEvery == 0)
            {
                var checkpoint = new Checkpoint
                {
                    Step = step + 1,
                    Latents = Tensors.FromFloats(latents, shape),
                    SchedulerState = new SchedulerState { Scheduler = request.Scheduler, NumInferenceSteps = request.Steps },
                    NoiseDraws = step + 1,
                };
                checkpoint.SchedulerState.Integers["step_index"] = step + 1;
                await writer.WriteAsync(new DenoiseEvent { Checkpoint = checkpoint });
                SentCheckpoints.Enqueue(checkpoint);
                if (KillAfterCheckpoint?.Invoke(step + 1) == true)
                {
                    // The pod dies during the next step: what it sent has reached the caller by then
                    // (a reset stream drops data still buffered on the caller's side).
                    await Task.Delay(100);
                    context.GetHttpContext().Abort();
                    OnKilled?.Invoke();
                    return;
                }
                if (FailAfterCheckpoint?.Invoke(step + 1) is { } error)
                    throw error;
            }
        }

        var result = new DenoiseResult { Latents = Tensors.FromFloats(latents, shape), QueueMs = 1.5, DenoiseMs = 3 };
        for (int step = 0; step < total; step++)
            result.Timesteps.Add(999 - step);
        await writer.WriteAsync(new DenoiseEvent { Result = result });
    }
}
