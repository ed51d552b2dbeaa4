using Diffusion.Contracts;
using Diffusion.Contracts.V1;
using Diffusion.Grpc;
using Google.Protobuf;
using static Diffusion.Services.Tests.DenoiseRequests;

namespace Diffusion.Services.Tests;

/// <summary>Bad Denoise requests are INVALID_ARGUMENT naming the field, before any forward pass.</summary>
public sealed class DenoiserValidationTests(DenoiserFixture fixture) : IClassFixture<DenoiserFixture>
{
    private static readonly Dictionary<string, (Action<DenoiseRequest> Break, string Field)> Cases = new()
    {
        ["zero steps"] = (r => r.Steps = 0, "steps"),
        ["too many steps"] = (r => r.Steps = 100_000, "steps"),
        ["zero latent height"] = (r => r.LatentHeight = 0, "latent_height"),
        ["huge latent width"] = (r => r.LatentWidth = 100_000, "latent_width"),
        ["negative images per prompt"] = (r => r.NumImagesPerPrompt = -1, "num_images_per_prompt"),
        ["too many images"] = (r => r.NumImagesPerPrompt = 1000, "num_images_per_prompt"),
        ["NaN guidance"] = (r => r.GuidanceScale = float.NaN, "guidance_scale"),
        ["infinite guidance"] = (r => r.GuidanceScale = float.PositiveInfinity, "guidance_scale"),
        ["missing cond"] = (r => r.CondEmbeddings = null, "cond_embeddings"),
        ["cond of the wrong width"] = (r => r.CondEmbeddings = Tensors.FromFloats(new float[SequenceLength * 7], 1, SequenceLength, 7), "cond_embeddings"),
        ["cond of rank 2"] = (r => r.CondEmbeddings = Tensors.FromFloats(new float[Width], 1, Width), "cond_embeddings"),
        ["cond bytes short"] = (r => r.CondEmbeddings.Data = ByteString.CopyFrom(new byte[12]), "cond_embeddings"),
        ["cond with NaN"] = (r => r.CondEmbeddings = WithValue(r.CondEmbeddings, float.NaN), "cond_embeddings"),
        ["cond of I64"] = (r => r.CondEmbeddings = Tensors.FromLongs(new long[SequenceLength * Width], 1, SequenceLength, Width), "cond_embeddings"),
        ["guidance without uncond"] = (r => { r.GuidanceScale = 7.5f; r.UncondEmbeddings = null; }, "uncond_embeddings"),
        ["uncond of another shape"] = (r => { r.GuidanceScale = 7.5f; r.UncondEmbeddings = Embeddings(2, 0f); }, "uncond_embeddings"),
        ["unknown scheduler"] = (r => r.Scheduler = "Nope", "Euler a"),
        ["bad scheduler option"] = (r => r.SchedulerOptions["eta"] = "abc", "eta"),
        ["initial latents of another shape"] = (r => r.InitialLatents = Latents(1, 4, 4, 4, 0f), "initial_latents"),
        ["image latents with infinity"] = (r => { r.ImageLatents = WithValue(Latents(1, 4, 8, 8, 0f), float.PositiveInfinity); r.Strength = 0.5f; }, "image_latents"),
        ["image latents without strength"] = (r => r.ImageLatents = Latents(1, 4, 8, 8, 0f), "strength"),
        ["strength above one"] = (r => { r.ImageLatents = Latents(1, 4, 8, 8, 0f); r.Strength = 1.5f; }, "strength"),
        ["mask without image"] = (r => r.Mask = Latents(1, 1, 8, 8, 0f), "image_latents"),
        ["mask of another shape"] = (r => { r.ImageLatents = Latents(1, 4, 8, 8, 0f); r.Strength = 1f; r.Mask = Latents(1, 4, 8, 8, 0f); }, "mask"),
        ["masked image latents on a 4-channel UNet"] = (r => r.MaskedImageLatents = Latents(1, 4, 8, 8, 0f), "masked_image_latents"),
        ["no seed and no latents"] = (r => r.ClearSeed(), "seed"),
        ["negative checkpoint interval"] = (r => r.CheckpointEvery = -1, "checkpoint_every"),
        ["huge replayed draw"] = (r => r.RngDrawsAfterNoise.Add(new TensorShape { Dims = { 1 << 20, 1 << 10 } }), "rng_draws_after_noise[0]"),
        ["too many replayed draws"] = (r => r.RngDrawsBeforeNoise.Add(Enumerable.Range(0, 17).Select(_ => new TensorShape { Dims = { 1 } })), "rng_draws_before_noise"),
        ["resume with impossible noise draws"] = (r => r.Resume = new Checkpoint
        {
            Step = 1, NoiseDraws = 1_000_000_000, Latents = Latents(1, 4, 8, 8, 0f), SchedulerState = new SchedulerState { Scheduler = "EulerDiscreteScheduler" },
        }, "resume.noise_draws"),
        ["resume past the last step"] = (r => r.Resume = new Checkpoint
        {
            Step = 1000, Latents = Latents(1, 4, 8, 8, 0f), SchedulerState = new SchedulerState { Scheduler = "EulerDiscreteScheduler" },
        }, "resume.step"),
        ["empty replayed draw"] = (r => r.RngDrawsBeforeNoise.Add(new TensorShape { Dims = { 1, 0 } }), "rng_draws_before_noise[0]"),
        ["resume latents of another shape"] = (r => r.Resume = new Checkpoint
        {
            Step = 1, Latents = Latents(1, 4, 4, 4, 0f), SchedulerState = new SchedulerState { Scheduler = "EulerDiscreteScheduler" },
        }, "resume.latents"),
        ["resume from another scheduler"] = (r => r.Resume = new Checkpoint
        {
            Step = 1, Latents = Latents(1, 4, 8, 8, 0f), SchedulerState = new SchedulerState { Scheduler = "DDIMScheduler" },
        }, "resume.scheduler_state"),
    };

    public static TheoryData<string> CaseNames => new(Cases.Keys);

    [Theory]
    [MemberData(nameof(CaseNames))]
    public async Task Denoise_BadInput_InvalidArgumentNamingTheField(string name)
    {
        var (breakIt, field) = Cases[name];
        var request = Txt2Img(steps: 3, scheduler: "Euler");
        breakIt(request);
        int callsBefore = fixture.Provider.UNet.Calls;

        var error = await RunningService.FailsAsync(() => RunAsync(fixture.Service.Calls, request));

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Contains(field, error.Detail, StringComparison.Ordinal);
        Assert.DoesNotContain(" at ", error.Detail, StringComparison.Ordinal); // no stack trace
        Assert.Equal(callsBefore, fixture.Provider.UNet.Calls);
    }

    private static Tensor WithValue(Tensor tensor, float value)
    {
        var values = Tensors.ToFloats(tensor);
        values[values.Length / 2] = value;
        return Tensors.FromFloats(values, [.. tensor.Shape]);
    }
}
