using Diffusion.Pipelines.Denoising;
using Diffusion.Schedulers;

namespace Diffusion.Pipelines.Tests;

public class DenoiseEngineTests
{
    private static readonly SchedulerConfig Sd15 = SchedulerConfig.Parse("""
        {"_class_name": "PNDMScheduler", "beta_start": 0.00085, "beta_end": 0.012, "beta_schedule": "scaled_linear",
         "num_train_timesteps": 1000, "set_alpha_to_one": false, "skip_prk_steps": true, "steps_offset": 1,
         "prediction_type": "epsilon", "timestep_spacing": "leading", "clip_sample": false}
        """);

    private static DenoiseSpec Spec(long seed, int count = 1, float guidance = 7.5f, int steps = 6, float condValue = 0.5f) => new()
    {
        Count = count, LatentChannels = 4, LatentHeight = 8, LatentWidth = 8,
        Cond = Enumerable.Repeat(condValue, count * 4 * 8).ToArray(),
        Uncond = guidance > 1 ? new float[count * 4 * 8] : null,
        SequenceLength = 4, EmbeddingDim = 8, GuidanceScale = guidance, Steps = steps, Seed = seed,
    };

    private static DenoiseJob Job(DenoiseSpec spec, string scheduler) =>
        new(spec, SchedulerFactory.Create(scheduler, Sd15, null), new SeededNoiseFactory(), 4);

    private static float[] RunAlone(DenoiseSpec spec, string scheduler)
    {
        var unet = new MathUNet();
        var job = Job(spec, scheduler);
        var input = new float[job.Rows * 4 * 64];
        var output = new float[input.Length];
        using var cond = unet.Upload(job.ConditioningRows(), [job.Rows, 4, 8]);
        while (!job.IsDone)
        {
            job.PrepareInput(input);
            unet.Predict(input, [job.Rows, 4, 8, 8], Enumerable.Repeat((float)job.CurrentTimestep, job.Rows).ToArray(), [cond], output);
            job.CompleteStep(output);
        }
        return job.Latents.ToArray();
    }

    [Theory]
    [InlineData("Euler a")]
    [InlineData("DPM++ 2M Karras")]
    [InlineData("DDIM")]
    public async Task Engine_EightConcurrentRequests_BatchTogetherAndMatchRunsAlone(string scheduler)
    {
        // Arrange: different seeds, prompts, guidance and step counts
        var specs = Enumerable.Range(0, 8).Select(i => Spec(seed: 100 + i, guidance: i % 2 == 0 ? 7.5f : 4f,
            steps: 5 + i % 3, condValue: i * 0.1f)).ToArray();
        var alone = specs.Select(s => RunAlone(s, scheduler)).ToArray();
        var unet = new MathUNet { DelayMs = 2 };
        using var engine = new DenoiseEngine(unet, new DenoiseEngineOptions { MaxBatchRows = 16, MaxActiveJobs = 8, QueueCapacity = 8 });

        // Act
        var collectors = specs.Select(_ => new Collector()).ToArray();
        for (int i = 0; i < specs.Length; i++) engine.Submit(Job(specs[i], scheduler), collectors[i]);
        var jobs = await Task.WhenAll(collectors.Select(c => c.Completion)).WaitAsync(TimeSpan.FromSeconds(30));

        // Assert: identical latents, and some forward passes really carried several requests
        for (int i = 0; i < specs.Length; i++) Assert.Equal(alone[i], jobs[i].Latents.ToArray());
        Assert.Contains(unet.BatchRows, rows => rows > 2);
        Assert.Contains(collectors.SelectMany(c => c.Steps), s => s.BatchJobs > 1);
        Assert.Equal(specs.Sum(s => s.Steps), collectors.Sum(c => c.Steps.Count));
    }

    [Theory]
    [InlineData("Euler a")]
    [InlineData("DPM++ 2M")]
    [InlineData("PNDM")]
    [InlineData("UniPC")]
    public void Job_RestoredFromAnyCheckpoint_FinishesBitIdentical(string scheduler)
    {
        var spec = Spec(seed: 7, steps: 8);
        var unet = new MathUNet();
        var reference = RunAlone(spec, scheduler);

        // Take a checkpoint after every step of an uninterrupted run.
        var job = Job(spec, scheduler);
        var checkpoints = new List<DenoiseCheckpoint>();
        var input = new float[job.Rows * 4 * 64];
        var output = new float[input.Length];
        using var cond = unet.Upload(job.ConditioningRows(), [job.Rows, 4, 8]);
        while (!job.IsDone)
        {
            job.PrepareInput(input);
            unet.Predict(input, [job.Rows, 4, 8, 8], Enumerable.Repeat((float)job.CurrentTimestep, job.Rows).ToArray(), [cond], output);
            job.CompleteStep(output);
            checkpoints.Add(job.Checkpoint());
        }

        foreach (var cp in checkpoints)
        {
            var resumed = Job(spec, scheduler); // a fresh process would build it the same way
            resumed.Restore(cp);
            while (!resumed.IsDone)
            {
                resumed.PrepareInput(input);
                unet.Predict(input, [resumed.Rows, 4, 8, 8], Enumerable.Repeat((float)resumed.CurrentTimestep, resumed.Rows).ToArray(), [cond], output);
                resumed.CompleteStep(output);
            }
            Assert.Equal(reference, resumed.Latents.ToArray());
        }
    }

    [Fact]
    public async Task Submit_QueueFull_FailsFastWithRetryHint()
    {
        var unet = new MathUNet { DelayMs = 50 };
        using var engine = new DenoiseEngine(unet, new DenoiseEngineOptions { MaxActiveJobs = 1, QueueCapacity = 2 });
        var first = new Collector();
        engine.Submit(Job(Spec(1, steps: 20), "DDIM"), first);
        await Task.Delay(100); // the first job is active, the queue is empty
        engine.Submit(Job(Spec(2), "DDIM"), new Collector());
        engine.Submit(Job(Spec(3), "DDIM"), new Collector());

        var sw = System.Diagnostics.Stopwatch.StartNew();
        var ex = Assert.Throws<DenoiseQueueFullException>(() => engine.Submit(Job(Spec(4), "DDIM"), new Collector()));
        Assert.True(sw.ElapsedMilliseconds < 50, $"rejection took {sw.ElapsedMilliseconds} ms");
        Assert.True(ex.RetryAfter > TimeSpan.Zero);
        Assert.Equal(2, engine.QueueDepth);
    }

    [Fact]
    public async Task Submit_CancelledMidRun_FailsWithCancellationAndFreesTheSlot()
    {
        var unet = new MathUNet { DelayMs = 20 };
        using var engine = new DenoiseEngine(unet, new DenoiseEngineOptions { MaxActiveJobs = 1 });
        using var cts = new CancellationTokenSource();
        var cancelled = new Collector();
        engine.Submit(Job(Spec(1, steps: 50), "DDIM"), cancelled, cts.Token);
        await Task.Delay(100);
        cts.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled.Completion.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.True(cancelled.Steps.Count < 50);

        var next = new Collector();
        engine.Submit(Job(Spec(2, steps: 3), "DDIM"), next);
        var job = await next.Completion.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.True(job.IsDone);
    }

    [Fact]
    public async Task Engine_UNetFailure_FailsTheBatchAndKeepsServing()
    {
        var unet = new MathUNet { FailOnCall = call => call == 2 ? new InvalidOperationException("device lost") : null };
        using var engine = new DenoiseEngine(unet);
        var failed = new Collector();
        engine.Submit(Job(Spec(1, steps: 5), "DDIM"), failed);
        var ex = await Assert.ThrowsAsync<InvalidOperationException>(() => failed.Completion.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal("device lost", ex.Message);

        var ok = new Collector();
        engine.Submit(Job(Spec(2, steps: 3), "DDIM"), ok);
        Assert.True((await ok.Completion.WaitAsync(TimeSpan.FromSeconds(10))).IsDone);
    }

    [Fact]
    public void Job_StrengthLeavingNoStep_IsRejectedWithAdvice()
    {
        var spec = Spec(1, steps: 4) with { ImageLatents = new float[4 * 64], Strength = 0.1f };
        var ex = Assert.Throws<ArgumentException>(() => Job(spec, "DDIM"));
        Assert.Contains("strength", ex.Message);
    }

    [Theory]
    [InlineData(0.7f, 10, 7)]   // Python: int(10 * 0.7) = 7, although 10 * 0.7f in float32 is 6.9999...
    [InlineData(0.6f, 10, 6)]
    [InlineData(0.29f, 100, 28)]  // Python: int(100 * 0.29) = int(28.999999999999996) = 28
    [InlineData(1f, 10, 10)]
    public void Job_Img2ImgStrength_RunsPythonsStepCount(float strength, int steps, int expected)
    {
        var spec = Spec(1, steps: steps) with { ImageLatents = new float[4 * 64], Strength = strength };
        Assert.Equal(expected, Job(spec, "DDIM").TotalSteps);
    }
}
