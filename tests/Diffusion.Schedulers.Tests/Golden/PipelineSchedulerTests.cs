using System.Text.Json;
using Diffusion.Schedulers;
using Diffusion.Testing;
using Xunit.Abstractions;

namespace Diffusion.Schedulers.Tests.Golden;

/// <summary>
/// The scheduler's share of the recorded full pipeline runs (reference/pipelines): schedule (incl.
/// img2img/inpaint start via get_timesteps and add_noise), UNet input scaling of the CFG-doubled
/// batch, and every step on the recorded guided outputs with the recorded step noise — batch 2,
/// non-square latents and the begin-index path included.
/// </summary>
public sealed class PipelineSchedulerTests(ITestOutputHelper output)
{
    private const double Tolerance = 1e-5;

    public static IEnumerable<object[]> Cases()
    {
        var dir = Path.Combine(TestPaths.Reference, "pipelines");
        return Directory.EnumerateFiles(dir, "*.json").Order(StringComparer.Ordinal)
            .Where(f => File.Exists(Path.ChangeExtension(f, ".safetensors")))
            .Select(f => new object[] { Path.GetFileNameWithoutExtension(f) });
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Pipeline_RecordedRun_SchedulerStepsMatch(string name)
    {
        string path = Path.Combine(TestPaths.Reference, "pipelines", name);
        using var meta = JsonDocument.Parse(File.ReadAllText(path + ".json"));
        var args = meta.RootElement.GetProperty("args");
        var kwargs = args.GetProperty("call_kwargs");
        var tensors = new SafetensorsFile(path + ".safetensors");
        var scheduler = SchedulerFactory.Create(null, SchedulerConfig.FromJsonElement(args.GetProperty("scheduler")));
        int steps = kwargs.GetProperty("num_inference_steps").GetInt32();
        var options = new StepOptions { Eta = kwargs.TryGetProperty("eta", out var eta) ? eta.GetDouble() : 0 };
        var expectedTimesteps = args.GetProperty("timesteps_used").EnumerateArray().Select(e => e.GetDouble()).ToArray();
        var shape = tensors.Shape("step_sample")[1..];
        int n = (int)shape.Aggregate(1L, (a, b) => a * b);
        double worst = 0;

        IReadOnlyList<double> timesteps;
        if (kwargs.TryGetProperty("strength", out var strength))
        {
            var schedule = Img2ImgTimesteps.Apply(scheduler, steps, strength.GetDouble());
            timesteps = schedule.Timesteps;
            var start = new float[n];
            scheduler.AddNoise(tensors.Floats("image_latents"), tensors.Floats("noise.1"), [schedule.LatentTimestep], start, shape);
            worst = Check(tensors.Floats("start_latents"), start, $"{name} start_latents", worst);
        }
        else
        {
            scheduler.SetTimesteps(steps);
            timesteps = scheduler.Timesteps;
            float sigma = (float)scheduler.InitNoiseSigma;
            var start = tensors.Floats("latents_in").Select(v => v * sigma).ToArray();
            worst = Check(Row(tensors, "step_sample", 0), start, $"{name} initial latents", worst);
        }
        Assert.Equal(expectedTimesteps, timesteps);

        // Step noise: the recorded draws made inside scheduler.step, in call order.
        var stepNoise = args.GetProperty("noise_draws_in_order").EnumerateArray()
            .Where(d => d.GetProperty("caller").GetString()!.Contains(".schedulers.", StringComparison.Ordinal))
            .Select(d => tensors.Floats(d.GetProperty("key").GetString()!)).ToList();
        var noise = new RecordedNoise(stepNoise);

        for (int i = 0; i < timesteps.Count; i++)
        {
            var sample = Row(tensors, "step_sample", i);
            // unet_input = scale_model_input(cat([latents] * 2), t)
            var doubled = sample.Concat(sample).ToArray();
            var unetInput = new float[doubled.Length];
            scheduler.ScaleModelInput(doubled, timesteps[i], unetInput);
            worst = Check(Row(tensors, "unet_input", i), unetInput, $"{name} unet_input {i}", worst);

            var prev = new float[n];
            scheduler.Step(Row(tensors, "guided_model_output", i), timesteps[i], sample, prev, shape, noise, options);
            worst = Check(Row(tensors, "step_prev_sample", i), prev, $"{name} step {i} (t={timesteps[i]})", worst);
        }
        Assert.Equal(stepNoise.Count, noise.Count);
        output.WriteLine($"{name}: {timesteps.Count} steps, {noise.Count} step-noise draws, max abs error {worst:G3}");
    }

    private static double Check(float[] expected, float[] actual, string what, double worst)
    {
        Comparison.AssertClose(expected, actual, Tolerance, what);
        return Math.Max(worst, Comparison.MaxAbsDiff(expected, actual));
    }

    private static float[] Row(SafetensorsFile tensors, string key, int row)
    {
        var all = tensors.Floats(key);
        int length = all.Length / (int)tensors.Shape(key)[0];
        return all.AsSpan(row * length, length).ToArray();
    }
}
