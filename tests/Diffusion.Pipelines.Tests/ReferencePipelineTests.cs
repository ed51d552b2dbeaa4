using System.Text.Json;
using Diffusion.Pipelines.Denoising;
using Diffusion.Pipelines.Models;
using Diffusion.Schedulers;
using Diffusion.Testing;

namespace Diffusion.Pipelines.Tests;

/// <summary>Teacher-forced parity with every run in ../shared/reference/pipelines: the job is fed the
/// recorded UNet outputs and the recorded random draws, and must build the same UNet inputs and
/// the same latents after every step as diffusers' pipelines (txt2img, img2img, inpainting).</summary>
public class ReferencePipelineTests
{
    public static TheoryData<string> Cases()
    {
        var data = new TheoryData<string>();
        foreach (var f in Directory.GetFiles(TestPaths.ReferenceFile("pipelines"), "*.json").Order())
            data.Add(Path.GetFileNameWithoutExtension(f));
        return data;
    }

    /// <summary>Returns the recorded UNet output of each call, checking the inputs on the way.</summary>
    private sealed class ReplayUNet(SafetensorsFile file, long[] callShape) : IUNetModel
    {
        private readonly float[] _inputs = file.Floats("unet_input");
        private readonly float[] _outputs = file.Floats("unet_output");
        public int Call;
        public double WorstInputError;
        public readonly List<float> TimestepsSeen = [];

        public UNetInfo Info { get; } = new("replay", (int)callShape[1], (int)callShape[1], 16, 32, "cpu", "f32");

        public IConditioning Upload(ReadOnlySpan<float> embeddings, long[] shape)
        {
            var expected = file.Floats("prompt_embeds");
            Comparison.AssertClose(expected, embeddings, 0, "conditioning rows (uncond first)", shape);
            return new ArrayConditioning(embeddings.ToArray(), (int)shape[0], (int)shape[1]);
        }

        public void Predict(ReadOnlySpan<float> sample, long[] sampleShape, ReadOnlySpan<float> timesteps,
            IReadOnlyList<IConditioning> conditioning, Span<float> output)
        {
            int per = sample.Length;
            var expected = _inputs.AsSpan(Call * per, per);
            Comparison.AssertClose(expected, sample, 1e-4, $"unet_input of call {Call}", sampleShape);
            WorstInputError = Math.Max(WorstInputError, Comparison.MaxAbsDiff(expected, sample));
            TimestepsSeen.Add(timesteps[0]);
            _outputs.AsSpan(Call * per, per).CopyTo(output);
            Call++;
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void DenoiseJob_ReplayingReferenceRun_MatchesDiffusersStepByStep(string name)
    {
        // Arrange
        var file = new SafetensorsFile(TestPaths.ReferenceFile("pipelines", name + ".safetensors"));
        using var sidecar = JsonDocument.Parse(File.ReadAllText(TestPaths.ReferenceFile("pipelines", name + ".json")));
        var args = sidecar.RootElement.GetProperty("args");
        var call = args.GetProperty("call_kwargs");
        var config = SchedulerConfig.FromJsonElement(args.GetProperty("scheduler"));
        var scheduler = SchedulerFactory.Create(null, config, null);

        long[] embShape = file.Shape("prompt_embeds");      // [2B, 77, D]
        long[] unetIn = file.Shape("unet_input");           // [calls, 2B, C, h, w]
        long[] latentShape = file.Shape("final_latents");   // [N, C, h, w]
        int n = (int)latentShape[0];
        var emb = file.Floats("prompt_embeds");
        int rowSize = (int)(embShape[1] * embShape[2]);
        float guidance = (float)call.GetProperty("guidance_scale").GetDouble();
        bool cfg = guidance > 1;

        var draws = new List<float[]>();
        for (int j = 0; file.Contains($"noise.{j}"); j++) draws.Add(file.Floats($"noise.{j}"));
        var noise = new RecordedNoiseFactory(draws);
        var drawOrder = args.GetProperty("noise_draws_in_order").EnumerateArray()
            .Select(d => (Caller: d.GetProperty("caller").GetString()!, Shape: d.GetProperty("shape").EnumerateArray().Select(x => x.GetInt64()).ToArray()))
            .ToList();
        // Draws made by the VAE (another service): before the pipeline's own first draw, and after it.
        int firstOwn = drawOrder.FindIndex(d => !d.Caller.Contains("vae"));
        var before = drawOrder.TakeWhile(d => d.Caller.Contains("vae")).Select(d => d.Shape).ToList();
        var after = firstOwn < 0 ? [] : drawOrder.Skip(firstOwn + 1).TakeWhile(d => d.Caller.Contains("vae")).Select(d => d.Shape).ToList();

        var spec = new DenoiseSpec
        {
            Count = n,
            LatentChannels = (int)latentShape[1],
            LatentHeight = (int)latentShape[2],
            LatentWidth = (int)latentShape[3],
            Cond = cfg ? emb[(n * rowSize)..] : emb,
            Uncond = cfg ? emb[..(n * rowSize)] : null,
            SequenceLength = (int)embShape[1],
            EmbeddingDim = (int)embShape[2],
            GuidanceScale = guidance,
            Steps = call.GetProperty("num_inference_steps").GetInt32(),
            Seed = 1,
            InitialLatents = file.Contains("latents_in") ? file.Floats("latents_in") : null,
            ImageLatents = file.Contains("image_latents") ? file.Floats("image_latents") : null,
            Strength = call.TryGetProperty("strength", out var s) ? (float)s.GetDouble() : 1f,
            Mask = file.Contains("mask_latent") ? file.Floats("mask_latent") : null,
            RngDrawsBeforeNoise = before,
            RngDrawsAfterNoise = after,
        };
        var unet = new ReplayUNet(file, [unetIn[1], unetIn[2], unetIn[3], unetIn[4]]);

        // Act
        var job = new DenoiseJob(spec, scheduler, noise, unet.Info.InChannels);
        using var cond = unet.Upload(job.ConditioningRows(), [job.Rows, spec.SequenceLength, spec.EmbeddingDim]);
        var input = new float[job.Rows * spec.LatentChannels * spec.LatentHeight * spec.LatentWidth];
        var output = new float[input.Length];
        var perStep = file.Floats("latents_per_step");
        int size = spec.LatentSize;
        double worstStep = 0;
        int step = 0;
        while (!job.IsDone)
        {
            job.PrepareInput(input);
            unet.Predict(input, [job.Rows, spec.LatentChannels, spec.LatentHeight, spec.LatentWidth],
                Enumerable.Repeat((float)job.CurrentTimestep, job.Rows).ToArray(), [cond], output);
            job.CompleteStep(output);
            var expected = perStep.AsSpan(step * size, size);
            // The UNet outputs are diffusers' own, so only our loop and scheduler arithmetic can differ.
            Comparison.AssertClose(expected, job.Latents, 1e-4, $"latents after step {step}", latentShape);
            worstStep = Math.Max(worstStep, Comparison.MaxAbsDiff(expected, job.Latents));
            step++;
        }

        // Assert
        var timestepsUsed = args.GetProperty("timesteps_used").EnumerateArray().Select(e => (float)e.GetDouble()).ToArray();
        Assert.Equal(timestepsUsed, unet.TimestepsSeen);
        Assert.Equal(unetIn[0], unet.Call);
        Assert.Equal(draws.Count, noise.Last!.Used);
        Comparison.AssertClose(file.Floats("final_latents"), job.Latents, 1e-4, "final_latents", latentShape);
    }
}
