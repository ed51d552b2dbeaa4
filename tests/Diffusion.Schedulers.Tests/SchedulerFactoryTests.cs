using System.Text.Json;

namespace Diffusion.Schedulers.Tests;

public sealed class SchedulerFactoryTests
{
    [Theory]
    [InlineData("DDPM", "DDPMScheduler")]
    [InlineData("DDIM", "DDIMScheduler")]
    [InlineData("PNDM", "PNDMScheduler")]
    [InlineData("LMS", "LMSDiscreteScheduler")]
    [InlineData("Euler", "EulerDiscreteScheduler")]
    [InlineData("Euler a", "EulerAncestralDiscreteScheduler")]
    [InlineData("Heun", "HeunDiscreteScheduler")]
    [InlineData("DPM++ 2M", "DPMSolverMultistepScheduler")]
    [InlineData("DPM++ 2M Karras", "DPMSolverMultistepScheduler")]
    [InlineData("DPM++ 2M SDE", "DPMSolverMultistepScheduler")]
    [InlineData("DPM++ 2M SDE Karras", "DPMSolverMultistepScheduler")]
    [InlineData("UniPC", "UniPCMultistepScheduler")]
    [InlineData("euler A", "EulerAncestralDiscreteScheduler")]
    [InlineData("  dpm++ 2m karras ", "DPMSolverMultistepScheduler")]
    [InlineData("EulerDiscreteScheduler", "EulerDiscreteScheduler")]
    [InlineData("unipcmultistepscheduler", "UniPCMultistepScheduler")]
    public void Create_UiOrClassName_SelectsDiffusersClass(string name, string className)
    {
        var scheduler = SchedulerFactory.Create(name, TestConfigs.StableDiffusion15);

        Assert.Equal(className, scheduler.Name);
        Assert.Equal(className, scheduler.Config.ClassName);
    }

    [Theory]
    [InlineData("DPM++ 2M", "dpmsolver++", false)]
    [InlineData("DPM++ 2M Karras", "dpmsolver++", true)]
    [InlineData("DPM++ 2M SDE", "sde-dpmsolver++", false)]
    [InlineData("DPM++ 2M SDE Karras", "sde-dpmsolver++", true)]
    public void Create_DpmUiNames_ImplyAlgorithmOrderAndKarras(string name, string algorithm, bool karras)
    {
        var config = SchedulerFactory.Create(name, TestConfigs.StableDiffusion15).Config;

        Assert.Equal(algorithm, config.GetString("algorithm_type"));
        Assert.Equal(2, config.GetInt64("solver_order"));
        Assert.Equal(karras, config.GetBoolean("use_karras_sigmas"));
    }

    [Fact]
    public void Names_UiNames_ListedInDisplayOrder()
    {
        Assert.Equal(
            ["DDPM", "DDIM", "PNDM", "LMS", "Euler", "Euler a", "Heun", "DPM++ 2M", "DPM++ 2M Karras", "DPM++ 2M SDE", "DPM++ 2M SDE Karras", "UniPC"],
            SchedulerFactory.Names);
        Assert.Equal(9, SchedulerFactory.ClassNames.Count);
        Assert.All(SchedulerFactory.Names, n => Assert.NotNull(SchedulerFactory.ClassNameOf(n)));
    }

    [Fact]
    public void Create_NullName_UsesConfigClass()
    {
        var scheduler = SchedulerFactory.Create(null, TestConfigs.StableDiffusion15);

        Assert.Equal("PNDMScheduler", scheduler.Name);
        Assert.True(scheduler.Config.GetBoolean("skip_prk_steps"));
    }

    [Fact]
    public void Create_UnknownName_ThrowsListingChoices()
    {
        var e = Assert.Throws<SchedulerConfigurationException>(() => SchedulerFactory.Create("DPM++ 3M Turbo", TestConfigs.StableDiffusion15));

        Assert.Equal("scheduler", e.Option);
        Assert.Equal("DPM++ 3M Turbo", e.Value);
        Assert.Contains("Euler a", e.Message);
    }

    [Fact]
    public void Create_ConfigOfUnimplementedClass_ThrowsNamingIt()
    {
        var config = TestConfigs.StableDiffusion15.With("_class_name", "KDPM2DiscreteScheduler");

        var e = Assert.Throws<SchedulerConfigurationException>(() => SchedulerFactory.Create(null, config));

        Assert.Contains("KDPM2DiscreteScheduler", e.Message);
    }

    [Fact]
    public void Create_FromPndmConfig_TakesKnownKeysKeepsOthersAndDefaultsTheRest()
    {
        // EulerDiscreteScheduler.from_config(sd15): SD 1.5's config has no timestep_spacing, so Euler's
        // own default (linspace) applies; skip_prk_steps is carried as a hidden key.
        var scheduler = SchedulerFactory.Create("Euler", TestConfigs.StableDiffusion15);
        var config = scheduler.Config;

        Assert.Equal("linspace", config.GetString("timestep_spacing"));
        Assert.Equal(1, config.GetInt64("steps_offset"));
        Assert.Equal("scaled_linear", config.GetString("beta_schedule"));
        Assert.Equal("discrete", config.GetString("timestep_type"));
        Assert.True(config.GetBoolean("skip_prk_steps"));
        Assert.Equal("0.6.0", config.GetString("_diffusers_version"));
        scheduler.SetTimesteps(10);
        Assert.Equal(999.0, scheduler.Timesteps[0]);
        Assert.Equal(0.0, scheduler.Timesteps[^1]);
    }

    [Fact]
    public void Create_Overrides_WinOverConfigAndImpliedValues()
    {
        var scheduler = SchedulerFactory.Create("DPM++ 2M Karras", TestConfigs.StableDiffusion15, new Dictionary<string, string>
        {
            ["use_karras_sigmas"] = "false",
            ["timestep_spacing"] = "trailing",
            ["lambda_min_clipped"] = "-inf",
            ["no_such_option"] = "whatever",
        });

        Assert.False(scheduler.Config.GetBoolean("use_karras_sigmas"));
        Assert.Equal("trailing", scheduler.Config.GetString("timestep_spacing"));
        Assert.Equal(double.NegativeInfinity, scheduler.Config.GetDouble("lambda_min_clipped"));
        Assert.False(scheduler.Config.ContainsKey("no_such_option"));
    }

    [Fact]
    public void ResolveConfig_UseDefaultValues_FallBackToClassDefaults()
    {
        var config = TestConfigs.StableDiffusion15.With("_use_default_values", JsonDocument.Parse("""["steps_offset"]""").RootElement);

        var resolved = SchedulerFactory.ResolveConfig("DDIM", config);

        Assert.Equal(0, resolved.GetInt64("steps_offset"));
        Assert.False(resolved.ContainsKey("_use_default_values"));
    }

    [Fact]
    public void Create_DeisAlgorithmAndBhSolver_RemappedAsDiffusersDoes()
    {
        var scheduler = SchedulerFactory.Create("DPMSolverMultistepScheduler", TestConfigs.StableDiffusion15,
            new Dictionary<string, string> { ["algorithm_type"] = "deis", ["solver_type"] = "bh2" });

        Assert.Equal("dpmsolver++", scheduler.Config.GetString("algorithm_type"));
        Assert.Equal("midpoint", scheduler.Config.GetString("solver_type"));
    }

    [Theory]
    [InlineData("DDIM", "thresholding", "true")]
    [InlineData("DDPM", "thresholding", "true")]
    [InlineData("DPM++ 2M", "thresholding", "true")]
    [InlineData("UniPC", "thresholding", "true")]
    [InlineData("Euler", "beta_schedule", "sigmoid")]
    [InlineData("DDIM", "beta_schedule", "quadratic")]
    [InlineData("Euler", "prediction_type", "x0")]
    [InlineData("Euler a", "prediction_type", "sample")]
    [InlineData("PNDM", "prediction_type", "sample")]
    [InlineData("DDIM", "timestep_spacing", "karras")]
    [InlineData("Euler", "interpolation_type", "cubic")]
    [InlineData("Euler", "timestep_type", "sinusoidal")]
    [InlineData("DDPM", "variance_type", "learned_range")]
    [InlineData("DDPM", "variance_type", "fixed_large_log")]
    [InlineData("DPM++ 2M", "variance_type", "learned")]
    [InlineData("DPM++ 2M", "algorithm_type", "ddim")]
    [InlineData("DPM++ 2M", "final_sigmas_type", "one")]
    [InlineData("DPM++ 2M SDE", "solver_order", "3")]
    [InlineData("DPM++ 2M", "solver_order", "0")]
    [InlineData("DPM++ 2M", "solver_order", "two")]
    [InlineData("UniPC", "solver_type", "bh3")]
    [InlineData("UniPC", "solver_p", "DDIMScheduler")]
    [InlineData("Heun", "use_karras_sigmas", "maybe")]
    [InlineData("LMS", "num_train_timesteps", "1")]
    [InlineData("DDIM", "trained_betas", "[0.1, 0.2]")]
    public void Create_UnsupportedOption_ThrowsNamingOptionAndValue(string name, string option, string value)
    {
        var e = Assert.Throws<SchedulerConfigurationException>(() =>
            SchedulerFactory.Create(name, TestConfigs.StableDiffusion15, new Dictionary<string, string> { [option] = value }));

        Assert.Equal(option, e.Option);
        Assert.Contains(option, e.Message);
        if (!value.StartsWith('[')) Assert.Contains(value, e.Message);
    }

    [Fact]
    public void Create_FinalSigmasZeroWithDpmSolver_ExplainsTheFix()
    {
        var e = Assert.Throws<SchedulerConfigurationException>(() => SchedulerFactory.Create("DPMSolverMultistepScheduler",
            TestConfigs.StableDiffusion15, new Dictionary<string, string> { ["algorithm_type"] = "dpmsolver" }));

        Assert.Equal("final_sigmas_type", e.Option);
        Assert.Contains("sigma_min", e.Message);
    }

    [Fact]
    public void Create_SameInputsTwice_ReturnsIndependentInstances()
    {
        var a = SchedulerFactory.Create("UniPC", TestConfigs.StableDiffusion15);
        var b = SchedulerFactory.Create("UniPC", TestConfigs.StableDiffusion15);
        a.SetTimesteps(10);

        Assert.NotSame(a, b);
        Assert.Equal(1000, b.Timesteps.Count); // b still has the constructor's full schedule
        Assert.Equal(10, a.Timesteps.Count);
    }
}
