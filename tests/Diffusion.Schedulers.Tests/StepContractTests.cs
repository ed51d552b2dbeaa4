namespace Diffusion.Schedulers.Tests;

public sealed class StepContractTests
{
    [Theory]
    [InlineData("Euler", "", 10)]
    [InlineData("Euler a", "", 10)]
    [InlineData("DDPM", "", 10)]
    [InlineData("DDPM", "timestep_spacing=linspace", 9)] // t = 0 at the end: no draw
    [InlineData("DDIM", "eta", 10)]
    [InlineData("DDIM", "", 0)]
    [InlineData("DPM++ 2M SDE", "", 10)]
    [InlineData("DPM++ 2M SDE Karras", "", 10)]
    [InlineData("DPM++ 2M", "", 0)]
    [InlineData("DPM++ 2M Karras", "", 0)]
    [InlineData("PNDM", "", 0)]
    [InlineData("LMS", "", 0)]
    [InlineData("Heun", "", 0)]
    [InlineData("UniPC", "", 0)]
    public void Step_FullRun_DrawsNoiseExactlyWhenDiffusersDoes(string name, string setting, int expectedDraws)
    {
        var (scheduler, options) = Create(name, setting);
        scheduler.SetTimesteps(10);
        var noise = new CountingNoise();
        var sample = TestRun.Start(scheduler);

        foreach (double t in scheduler.Timesteps) sample = TestRun.Step(scheduler, sample, t, noise, options);

        Assert.Equal(expectedDraws, noise.Draws);
        Assert.All(sample, v => Assert.True(float.IsFinite(v)));
    }

    [Theory]
    [InlineData("Euler", "")]
    [InlineData("Euler a", "")]
    [InlineData("DDPM", "")]
    [InlineData("DDIM", "eta")]
    [InlineData("DPM++ 2M SDE", "")]
    public void Step_NoiseNeededButMissing_ThrowsNamingTheReason(string name, string setting)
    {
        var (scheduler, options) = Create(name, setting);
        scheduler.SetTimesteps(10);
        var sample = TestRun.Start(scheduler);
        var prev = new float[sample.Length];

        var e = Assert.Throws<InvalidOperationException>(() =>
            scheduler.Step(TestRun.Model(sample, scheduler.Timesteps[0]), scheduler.Timesteps[0], sample, prev, TestRun.Shape, null, options));

        Assert.Contains("noise", e.Message);
        Assert.Contains(scheduler.Name, e.Message);
    }

    [Theory]
    [InlineData("DDIM", "")]
    [InlineData("PNDM", "")]
    [InlineData("LMS", "")]
    [InlineData("Heun", "")]
    [InlineData("DPM++ 2M Karras", "")]
    [InlineData("UniPC", "")]
    public void Step_DeterministicSchedulerWithoutNoiseSource_Runs(string name, string setting)
    {
        var (scheduler, options) = Create(name, setting);
        scheduler.SetTimesteps(5);
        var sample = TestRun.Start(scheduler);

        foreach (double t in scheduler.Timesteps)
        {
            var prev = new float[sample.Length];
            scheduler.Step(TestRun.Model(sample, t), t, sample, prev, TestRun.Shape, null, options);
            sample = prev;
        }

        Assert.Equal(scheduler.Timesteps.Count, scheduler.StepIndex ?? scheduler.Timesteps.Count);
    }

    [Theory]
    [InlineData("DDPM")]
    [InlineData("DDIM")]
    [InlineData("PNDM")]
    [InlineData("LMS")]
    [InlineData("Euler")]
    [InlineData("Euler a")]
    [InlineData("Heun")]
    [InlineData("DPM++ 2M")]
    [InlineData("DPM++ 2M SDE Karras")]
    [InlineData("UniPC")]
    public void Step_OutputAliasesSample_SameResultAsSeparateBuffers(string name)
    {
        var separate = SchedulerFactory.Create(name, TestConfigs.StableDiffusion15);
        var inPlace = SchedulerFactory.Create(name, TestConfigs.StableDiffusion15);
        separate.SetTimesteps(6);
        inPlace.SetTimesteps(6);
        var a = TestRun.Start(separate);
        var b = (float[])a.Clone();
        var noiseA = new CountingNoise();
        var noiseB = new CountingNoise();

        foreach (double t in separate.Timesteps)
        {
            a = TestRun.Step(separate, a, t, noiseA);
            var input = new float[b.Length];
            inPlace.ScaleModelInput(b, t, input);
            inPlace.Step(TestRun.Model(input, t), t, b, b, TestRun.Shape, noiseB);
        }

        Assert.Equal(a, b);
    }

    [Fact]
    public void Step_BeforeSetTimesteps_Throws()
    {
        var scheduler = SchedulerFactory.Create("DDIM", TestConfigs.StableDiffusion15);
        var x = TestRun.Tensor(1);

        Assert.Throws<InvalidOperationException>(() => scheduler.Step(x, 901, x, new float[x.Length], TestRun.Shape, null));
    }

    [Fact]
    public void Step_LengthNotMatchingShape_Throws()
    {
        var scheduler = SchedulerFactory.Create("Euler", TestConfigs.StableDiffusion15);
        scheduler.SetTimesteps(10);
        var x = TestRun.Tensor(1);

        Assert.Throws<ArgumentException>(() => scheduler.Step(x, scheduler.Timesteps[0], x, new float[x.Length - 1], TestRun.Shape, new CountingNoise()));
        Assert.Throws<ArgumentException>(() => scheduler.Step(x, scheduler.Timesteps[0], x, new float[x.Length], [1, 4, 3, 3], new CountingNoise()));
    }

    [Fact]
    public void SetTimesteps_Zero_Throws() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => SchedulerFactory.Create("Euler", TestConfigs.StableDiffusion15).SetTimesteps(0));

    [Theory]
    [InlineData("DDPM", false)]
    [InlineData("DDIM", false)]
    [InlineData("PNDM", false)]
    [InlineData("LMS", true)]
    [InlineData("Euler", true)]
    [InlineData("Euler a", true)]
    [InlineData("Heun", true)]
    [InlineData("DPM++ 2M", true)]
    [InlineData("UniPC", true)]
    public void SetBeginIndex_OnlyWhereDiffusersHasIt(string name, bool supported)
    {
        var scheduler = SchedulerFactory.Create(name, TestConfigs.StableDiffusion15);

        Assert.Equal(supported, scheduler.SupportsBeginIndex);
        if (supported)
        {
            scheduler.SetBeginIndex(3);
            Assert.Equal(3, scheduler.BeginIndex);
        }
        else
        {
            Assert.Throws<NotSupportedException>(() => scheduler.SetBeginIndex(3));
        }
    }

    [Fact]
    public void AddNoise_OneTimestepForManyRows_Broadcasts()
    {
        var scheduler = SchedulerFactory.Create("DDIM", TestConfigs.StableDiffusion15);
        scheduler.SetTimesteps(10);
        var x = TestRun.Tensor(1);
        var n = TestRun.Tensor(2);
        var once = new float[x.Length];
        var perRow = new float[x.Length];

        scheduler.AddNoise(x, n, [501], once, TestRun.Shape);
        scheduler.AddNoise(x, n, [501, 501], perRow, TestRun.Shape);

        Assert.Equal(perRow, once);
        Assert.Throws<ArgumentException>(() => scheduler.AddNoise(x, n, [1, 2, 3], once, TestRun.Shape));
    }

    [Theory]
    [InlineData("DDIM", 1.0, 10, null)]
    [InlineData("Euler", 1.0, 10, 0)]
    [InlineData("Euler", 0.35, 3, 7)]
    [InlineData("Heun", 0.5, 9, 10)]
    [InlineData("PNDM", 0.6, 7, null)]
    public void Img2ImgApply_Strength_KeepsTheTail(string name, double strength, int count, int? begin)
    {
        var scheduler = SchedulerFactory.Create(name, TestConfigs.StableDiffusion15);

        var schedule = Img2ImgTimesteps.Apply(scheduler, 10, strength);

        Assert.Equal(count, schedule.Timesteps.Count);
        Assert.Equal(scheduler.Timesteps.TakeLast(count), schedule.Timesteps);
        Assert.Equal(begin, schedule.BeginIndex);
        Assert.Equal(schedule.Timesteps[0], schedule.LatentTimestep);
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(0.05)]
    [InlineData(1.5)]
    [InlineData(double.NaN)]
    public void Img2ImgApply_StrengthLeavingNothingOrOutOfRange_Throws(double strength) =>
        Assert.Throws<ArgumentOutOfRangeException>(() =>
            Img2ImgTimesteps.Apply(SchedulerFactory.Create("DDIM", TestConfigs.StableDiffusion15), 10, strength));

    private static (IScheduler Scheduler, StepOptions Options) Create(string name, string setting)
    {
        if (setting == "eta") return (SchedulerFactory.Create(name, TestConfigs.StableDiffusion15), new StepOptions { Eta = 1.0 });
        var overrides = new Dictionary<string, string>();
        if (setting.Length > 0) overrides[setting.Split('=')[0]] = setting.Split('=')[1];
        return (SchedulerFactory.Create(name, TestConfigs.StableDiffusion15, overrides), StepOptions.Default);
    }
}
