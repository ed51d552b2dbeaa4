namespace Diffusion.Schedulers.Tests;

/// <summary>SaveState/RestoreState: a run interrupted at any step and continued in a fresh scheduler
/// (as on another process) produces the uninterrupted run's latents bit for bit.</summary>
public sealed class SchedulerStateTests
{
    public static TheoryData<string, string> Schedulers => new()
    {
        { "DDPM", "" }, { "DDIM", "" }, { "DDIM", "eta" }, { "PNDM", "" }, { "PNDM", "skip_prk_steps=false" },
        { "LMS", "" }, { "LMS", "use_karras_sigmas=true" }, { "Euler", "" }, { "Euler a", "" }, { "Heun", "" },
        { "Heun", "use_karras_sigmas=true" }, { "DPM++ 2M", "" }, { "DPM++ 2M Karras", "" }, { "DPM++ 2M SDE", "" },
        { "DPM++ 2M SDE Karras", "" }, { "DPMSolverMultistepScheduler", "solver_order=3" }, { "UniPC", "" },
        { "UniPC", "solver_order=3" }, { "UniPC", "disable_corrector=[2]" },
    };

    [Theory]
    [MemberData(nameof(Schedulers))]
    public void RestoreState_AtEveryStep_ContinuesBitForBit(string name, string overrides)
    {
        var (options, map) = Parse(overrides);
        var expected = Run(Create(name, map), options, 0, null, out var timesteps);

        for (int split = 0; split <= timesteps; split++)
        {
            var first = Create(name, map);
            first.SetTimesteps(10);
            var noise = new CountingNoise();
            var sample = RunSteps(first, TestRun.Start(first), 0, split, noise, options);
            var state = first.SaveState();

            var second = Create(name, map); // a fresh instance, as another process would build it
            second.RestoreState(state);
            var resumed = RunSteps(second, sample, split, timesteps, new CountingNoise(noise.Draws), options);

            Assert.True(expected.AsSpan().SequenceEqual(resumed), $"{name} {overrides}: resumed after step {split} differs");
        }
    }

    [Fact]
    public void SaveState_StateArrays_AreCopiesBothWays()
    {
        var scheduler = Create("DPM++ 2M", []);
        scheduler.SetTimesteps(10);
        var sample = TestRun.Step(scheduler, TestRun.Start(scheduler), scheduler.Timesteps[0], new CountingNoise());
        var state = scheduler.SaveState();
        var history = state.Tensors["model_outputs.1"];
        float before = history[0];

        history[0] = 12345f; // corrupting the snapshot must not reach the live scheduler...
        var again = scheduler.SaveState();

        Assert.Equal(before, again.Tensors["model_outputs.1"][0]);
        Assert.Equal(1, state.Integers["step_index"]);
        Assert.Equal(1, state.Integers["lower_order_nums"]);
        Assert.Equal(10, state.NumInferenceSteps);
        _ = sample;
    }

    [Fact]
    public void RestoreState_OtherSchedulerClass_Throws()
    {
        var euler = Create("Euler", []);
        euler.SetTimesteps(10);

        Assert.Throws<ArgumentException>(() => Create("Heun", []).RestoreState(euler.SaveState()));
    }

    [Fact]
    public void RestoreState_Img2ImgBeginIndex_IsRestored()
    {
        var scheduler = Create("Euler", []);
        var schedule = Img2ImgTimesteps.Apply(scheduler, 10, 0.5);
        var resumed = Create("Euler", []);

        resumed.RestoreState(scheduler.SaveState());

        Assert.Equal(5, resumed.BeginIndex);
        Assert.Equal(schedule.Timesteps, resumed.Timesteps.Skip(5));
    }

    private static IScheduler Create(string name, Dictionary<string, string> overrides) =>
        SchedulerFactory.Create(name, TestConfigs.StableDiffusion15, overrides);

    private static (StepOptions Options, Dictionary<string, string> Overrides) Parse(string overrides)
    {
        if (overrides == "eta") return (new StepOptions { Eta = 1.0 }, []);
        var map = new Dictionary<string, string>();
        if (overrides.Length > 0)
        {
            var parts = overrides.Split('=', 2);
            map[parts[0]] = parts[1];
        }
        return (StepOptions.Default, map);
    }

    private static float[] Run(IScheduler scheduler, StepOptions options, int from, int? to, out int count)
    {
        scheduler.SetTimesteps(10);
        count = scheduler.Timesteps.Count;
        return RunSteps(scheduler, TestRun.Start(scheduler), from, to ?? count, new CountingNoise(), options);
    }

    private static float[] RunSteps(IScheduler scheduler, float[] sample, int from, int to, CountingNoise noise, StepOptions options)
    {
        for (int i = from; i < to; i++) sample = TestRun.Step(scheduler, sample, scheduler.Timesteps[i], noise, options);
        return sample;
    }
}
