using Diffusion.Contracts;
using Diffusion.Contracts.Rpc;
using Diffusion.Contracts.V1;
using Diffusion.Denoiser;
using static Diffusion.Services.Tests.DenoiseRequests;

namespace Diffusion.Services.Tests;

/// <summary>Denoise end to end over gRPC: every mode equals the same job stepped serially.</summary>
public sealed class DenoiserGenerationTests(DenoiserFixture fixture) : IClassFixture<DenoiserFixture>
{
    private RunningService Service => fixture.Service;

    [Fact]
    public async Task Denoise_Txt2ImgWithoutGuidance_StreamsProgressThenReferenceLatents()
    {
        var request = Txt2Img(steps: 5, scheduler: "Euler");

        var events = await RunAsync(Service.Calls, request);

        var progress = events.Where(e => e.Progress is not null).Select(e => e.Progress).ToList();
        Assert.Equal([1, 2, 3, 4, 5], progress.Select(p => p.Step));
        Assert.All(progress, p => Assert.Equal(5, p.Total));
        Assert.Equal(DenoiseEvent.EventOneofCase.Result, events[^1].EventCase);
        var result = Result(events);
        Assert.Equal([1L, 4, 8, 8], result.Latents.Shape);
        Assert.Equal(5, result.Timesteps.Count);
        Assert.Equal(progress.Select(p => p.Timestep), result.Timesteps);
        Assert.Equal(Reference(request), Tensors.ToFloats(result.Latents));
    }

    [Fact]
    public async Task Denoise_Txt2ImgWithGuidance_EqualsReferenceAndDiffersFromUnguided()
    {
        var guided = Txt2Img(guidance: 7.5f, steps: 4, scheduler: "DDIM");
        var unguided = Txt2Img(guidance: 1f, steps: 4, scheduler: "DDIM");

        var guidedLatents = Tensors.ToFloats(Result(await RunAsync(Service.Calls, guided)).Latents);
        var unguidedLatents = Tensors.ToFloats(Result(await RunAsync(Service.Calls, unguided)).Latents);

        Assert.Equal(Reference(guided), guidedLatents);
        Assert.NotEqual(unguidedLatents, guidedLatents);
    }

    [Fact]
    public async Task Denoise_Img2Img_RunsTheStrengthFractionOfTheSchedule()
    {
        var request = Txt2Img(steps: 10, scheduler: "DDIM");
        request.ImageLatents = Latents(1, 4, 8, 8, 0.3f);
        request.Strength = 0.5f;

        var events = await RunAsync(Service.Calls, request);

        var result = Result(events);
        Assert.Equal(5, result.Timesteps.Count); // int(10 * 0.5) steps of the tail of the schedule
        Assert.Equal(5, events.Count(e => e.Progress is not null));
        Assert.Equal(Reference(request), Tensors.ToFloats(result.Latents));
    }

    [Fact]
    public async Task Denoise_Inpaint4Channel_KeepsTheImageWhereTheMaskIsZero()
    {
        var request = Txt2Img(steps: 4, scheduler: "Euler");
        var image = Latents(1, 4, 8, 8, 0.7f);
        request.ImageLatents = image;
        request.Strength = 1f;
        var mask = new float[64];
        for (int i = 0; i < 32; i++) mask[i] = 1f; // repaint the top half
        request.Mask = Tensors.FromFloats(mask, 1, 1, 8, 8);

        var latents = Tensors.ToFloats(Result(await RunAsync(Service.Calls, request)).Latents);

        Assert.Equal(Reference(request), latents);
        var imageValues = Tensors.ToFloats(image);
        for (int c = 0; c < 4; c++)
        {
            for (int i = 32; i < 64; i++)
                Assert.Equal(imageValues[c * 64 + i], latents[c * 64 + i]); // diffusers blends the original back at the last step
        }
        Assert.NotEqual(imageValues[0], latents[0]);
    }

    [Fact]
    public async Task Denoise_NumImagesPerPrompt_DenoisesPromptsTimesImages()
    {
        var request = Txt2Img(prompts: 2, guidance: 3f, perPrompt: 3, steps: 3, scheduler: "Euler a");

        var result = Result(await RunAsync(Service.Calls, request));

        Assert.Equal([6L, 4, 8, 8], result.Latents.Shape);
        var latents = Tensors.ToFloats(result.Latents);
        Assert.Equal(Reference(request), latents);
        // Each latent starts from its own noise.
        Assert.NotEqual(latents.AsSpan(0, 256).ToArray(), latents.AsSpan(256, 256).ToArray());
    }

    [Fact]
    public async Task Denoise_CheckpointAndPreviewEvery_StreamsThemBetweenSteps()
    {
        var request = Txt2Img(steps: 6, scheduler: "DPM++ 2M");
        request.CheckpointEvery = 2;
        request.PreviewEvery = 3;

        var events = await RunAsync(Service.Calls, request);

        var checkpoints = events.Where(e => e.Checkpoint is not null).Select(e => e.Checkpoint).ToList();
        Assert.Equal([2, 4], checkpoints.Select(c => c.Step)); // none at the end: the result follows
        Assert.All(checkpoints, c => Assert.Equal("DPMSolverMultistepScheduler", c.SchedulerState.Scheduler));
        Assert.Equal(1, events.Count(e => e.Preview is not null));
        int previewAt = events.FindIndex(e => e.Preview is not null);
        Assert.Equal(3, events[previewAt - 1].Progress.Step);
        Assert.Equal([1L, 4, 8, 8], events[previewAt].Preview.Shape);
    }

    [Fact]
    public async Task Describe_ReportsTheUNetSchedulersAndBatchLimit()
    {
        var description = (await Service.Calls.UnaryAsync(DenoiserMethods.Describe, new DescribeRequest())).Response;

        Assert.Equal("stand-in-unet", description.Model);
        Assert.Equal(4, description.InChannels);
        Assert.Equal(8, description.CrossAttentionDim);
        Assert.Equal("epsilon", description.PredictionType);
        Assert.Equal("PNDMScheduler", description.DefaultScheduler);
        Assert.Contains("Euler a", description.Schedulers);
        Assert.Equal(8, description.MaxBatch);
        Assert.Equal("cpu", description.Device);
    }
}
