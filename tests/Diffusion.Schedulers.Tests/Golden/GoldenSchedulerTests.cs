using System.Text.Json;
using Diffusion.Schedulers;
using Diffusion.Testing;
using Xunit.Abstractions;

namespace Diffusion.Schedulers.Tests.Golden;

/// <summary>
/// Every case of <c>reference/schedulers/index.json</c> (diffusers 0.27.2 golden runs): schedule,
/// input scaling, the whole trajectory replayed with the recorded model outputs and noise, add_noise
/// and the img2img start. Data-driven, so another index with other classes/configs runs unchanged.
/// </summary>
public sealed class GoldenSchedulerTests(ITestOutputHelper output)
{
    private const double Tolerance = 1e-5;

    public static IEnumerable<object[]> Cases() => GoldenCase.Names("shared").Concat(GoldenCase.Names("oracle"));

    [Theory]
    [MemberData(nameof(Cases))]
    public void ResolveConfig_BaseConfigWithCaseOverrides_MatchesRecordedConfig(string source, string name)
    {
        var c = GoldenCase.Load(source, name);
        name = c.Name;

        var resolved = SchedulerFactory.Create(c.ClassName, c.BaseConfig, c.Overrides).Config;

        foreach (var key in c.Config.Keys)
        {
            Assert.True(resolved.TryGetValue(key, out var actual), $"{name}: resolved config lacks '{key}'");
            Assert.True(JsonEquals(c.Config[key], actual), $"{name}: {key} = {actual.GetRawText()}, recorded {c.Config[key].GetRawText()}");
        }
        foreach (var key in resolved.Keys)
            Assert.True(c.Config.ContainsKey(key) || key.StartsWith('_'), $"{name}: unexpected config key '{key}'");
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void SetTimesteps_TenAndTwentyFive_MatchScheduleSigmasAndInitNoiseSigma(string source, string name)
    {
        var c = GoldenCase.Load(source, name);
        name = c.Name;
        var scheduler = c.CreateScheduler();

        Assert.Equal((float)c.Double("init_noise_sigma_before_set_timesteps"), (float)scheduler.InitNoiseSigma);
        Assert.Equal(c.Values.GetProperty("order").GetInt32(), scheduler.Order);
        var training = (SchedulerBase)scheduler;
        Comparison.AssertClose(c.Tensors.Floats("betas"), training.Betas.ToArray(), 0, $"{name} betas");
        Comparison.AssertClose(c.Tensors.Floats("alphas_cumprod"), training.AlphasCumprod.ToArray(), 0, $"{name} alphas_cumprod");

        foreach (int steps in new[] { 25, 10 })
        {
            scheduler.SetTimesteps(steps);
            AssertTimesteps(c.Doubles($"timesteps_{steps}"), scheduler.Timesteps, $"{name} timesteps_{steps}");
            Assert.Equal(c.Values.GetProperty($"timesteps_{steps}_dtype").GetString() == "torch.int64", scheduler.IntegerTimesteps);
            if (c.Has($"sigmas_{steps}"))
            {
                Assert.NotNull(scheduler.Sigmas);
                AssertClose(c.Doubles($"sigmas_{steps}"), scheduler.Sigmas!, $"{name} sigmas_{steps}");
            }
            else
            {
                Assert.Null(scheduler.Sigmas);
            }
            Assert.Equal((float)c.Double($"init_noise_sigma_{steps}"), (float)scheduler.InitNoiseSigma);
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void ScaleModelInput_FreshSchedulerPerTimestep_MatchesEveryRow(string source, string name)
    {
        var c = GoldenCase.Load(source, name);
        name = c.Name;
        var x = c.Tensors.Floats("x_init");
        var timesteps = c.Doubles("timesteps_10");
        double worst = 0;

        for (int i = 0; i < timesteps.Length; i++)
        {
            var scheduler = c.CreateScheduler();
            scheduler.SetTimesteps(10);
            var scaled = new float[x.Length];
            scheduler.ScaleModelInput(x, timesteps[i], scaled);
            var expected = c.Row("scale_model_input_x_init", i);
            worst = Math.Max(worst, Comparison.MaxAbsDiff(expected, scaled));
            Comparison.AssertClose(expected, scaled, Tolerance, $"{name} scale_model_input row {i} (t={timesteps[i]})");
        }
        output.WriteLine($"{name}: scale_model_input max abs error {worst:G3}");
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Step_ReplayWithRecordedModelOutputsAndNoise_MatchesEveryStep(string source, string name)
    {
        var c = GoldenCase.Load(source, name);
        name = c.Name;
        var scheduler = c.CreateScheduler();
        scheduler.SetTimesteps(c.TrajectorySteps);
        var t = c.Doubles("trajectory_t");
        var noiseIndex = c.Values.GetProperty("trajectory_noise_index").EnumerateArray().Select(e => e.GetInt32()).ToArray();
        var shape = c.Tensors.Shape("x_init");
        var options = c.StepOptions();
        AssertTimesteps(t, scheduler.Timesteps, $"{name} trajectory_t");

        // sample_0 = x_init * init_noise_sigma (float32 multiply, as the pipeline does)
        float sigma0 = (float)scheduler.InitNoiseSigma;
        var sample = c.Tensors.Floats("x_init").Select(v => v * sigma0).ToArray();
        Comparison.AssertClose(c.Tensors.Floats("trajectory.sample_0"), sample, Tolerance, $"{name} sample_0");

        double worst = 0;
        for (int i = 0; i < t.Length; i++)
        {
            var modelInput = new float[sample.Length];
            scheduler.ScaleModelInput(sample, t[i], modelInput);
            Comparison.AssertClose(c.Row("trajectory.model_input", i), modelInput, Tolerance, $"{name} model_input step {i}");

            var draws = noiseIndex[i] >= 0 ? new[] { c.Row("trajectory.noise", noiseIndex[i]) } : [];
            var noise = new RecordedNoise(draws);
            var prev = new float[sample.Length];
            scheduler.Step(c.Row("trajectory.model_output", i), t[i], sample, prev, shape, noise, options);

            Assert.True(noise.Count == draws.Length, $"{name} step {i}: drew {noise.Count} noise tensors, diffusers drew {draws.Length}");
            Assert.All(noise.Shapes, s => Assert.Equal(shape, s));
            var expected = c.Row("trajectory.prev_sample", i);
            worst = Math.Max(worst, Comparison.MaxAbsDiff(expected, prev));
            Comparison.AssertClose(expected, prev, Tolerance, $"{name} prev_sample step {i} (t={t[i]})", c.RowShape("trajectory.prev_sample"));
            sample = prev; // closed loop: our own output feeds the next step
        }
        Comparison.AssertClose(c.Tensors.Floats("trajectory.final"), sample, Tolerance, $"{name} final");
        output.WriteLine($"{name}: trajectory ({t.Length} steps) max abs error {worst:G3}");
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void AddNoise_RecordedTimesteps_MatchesNoisySamples(string source, string name)
    {
        var c = GoldenCase.Load(source, name);
        name = c.Name;
        var scheduler = c.CreateScheduler();
        scheduler.SetTimesteps(10);
        var original = c.Tensors.Floats("add_noise.original");
        // Stored as the class's dtype (I64, F32, or F64 for LMS/Heun Karras schedules, which the float
        // reader narrows): take the schedule entry the stored value denotes.
        var timesteps = c.Tensors.Floats("add_noise.timesteps")
            .Select(v => scheduler.Timesteps.First(t => (float)t == v)).ToArray();
        var noisy = new float[original.Length];

        scheduler.AddNoise(original, c.Tensors.Floats("add_noise.noise"), timesteps, noisy, c.Tensors.Shape("add_noise.original"));

        var expected = c.Tensors.Floats("add_noise.noisy");
        Comparison.AssertClose(expected, noisy, Tolerance, $"{name} add_noise");
        output.WriteLine($"{name}: add_noise max abs error {Comparison.MaxAbsDiff(expected, noisy):G3}");
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Img2ImgApply_StrengthPointSix_MatchesStartTimestepsAndNoisyLatents(string source, string name)
    {
        var c = GoldenCase.Load(source, name);
        name = c.Name;
        var scheduler = c.CreateScheduler();

        var schedule = Img2ImgTimesteps.Apply(scheduler, c.TrajectorySteps, c.Double("img2img_strength"));

        AssertTimesteps(c.Doubles("img2img_timesteps"), schedule.Timesteps, $"{name} img2img_timesteps");
        Assert.Equal(c.Values.GetProperty("img2img_num_inference_steps").GetInt32(), schedule.NumInferenceSteps);
        int? expectedBegin = c.Has("img2img_begin_index") ? c.Values.GetProperty("img2img_begin_index").GetInt32() : null;
        Assert.Equal(expectedBegin, schedule.BeginIndex);
        Assert.Equal(expectedBegin, scheduler.BeginIndex);
        Assert.Equal((float)c.Doubles("img2img_latent_timestep")[0], (float)schedule.LatentTimestep);

        var latents = c.Tensors.Floats("img2img.image_latents");
        var noisy = new float[latents.Length];
        scheduler.AddNoise(latents, c.Tensors.Floats("img2img.noise"), [schedule.LatentTimestep], noisy, c.Tensors.Shape("img2img.image_latents"));
        var expected = c.Tensors.Floats("img2img.noisy_latents");
        Comparison.AssertClose(expected, noisy, Tolerance, $"{name} img2img noisy latents");
        output.WriteLine($"{name}: img2img noisy latents max abs error {Comparison.MaxAbsDiff(expected, noisy):G3}");
    }

    private static void AssertTimesteps(double[] expected, IReadOnlyList<double> actual, string what)
    {
        Assert.True(expected.Length == actual.Count, $"{what}: {actual.Count} timesteps, expected {expected.Length}");
        for (int i = 0; i < expected.Length; i++)
        {
            // Integral schedules must match exactly; float32 ones to float32 rounding.
            double tolerance = Math.Max(1e-5, Math.Abs(expected[i]) * 2.5e-7);
            Assert.True(Math.Abs(expected[i] - actual[i]) <= tolerance, $"{what}[{i}]: {actual[i]:R}, expected {expected[i]:R}");
        }
    }

    private static void AssertClose(double[] expected, IReadOnlyList<double> actual, string what)
    {
        Assert.True(expected.Length == actual.Count, $"{what}: {actual.Count} values, expected {expected.Length}");
        Comparison.AssertClose(expected.Select(v => (float)v).ToArray(), actual.Select(v => (float)v).ToArray(), Tolerance, what);
    }

    private static bool JsonEquals(JsonElement a, JsonElement b)
    {
        if (a.ValueKind == JsonValueKind.Number && b.ValueKind == JsonValueKind.Number) return a.GetDouble() == b.GetDouble();
        if (a.ValueKind != b.ValueKind) return false;
        return a.ValueKind switch
        {
            JsonValueKind.Array => a.GetArrayLength() == b.GetArrayLength() && a.EnumerateArray().Zip(b.EnumerateArray()).All(p => JsonEquals(p.First, p.Second)),
            JsonValueKind.Object => a.GetRawText() == b.GetRawText(),
            JsonValueKind.String => a.GetString() == b.GetString(),
            _ => true,
        };
    }
}
