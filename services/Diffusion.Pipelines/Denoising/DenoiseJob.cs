using Diffusion.Schedulers;

namespace Diffusion.Pipelines.Denoising;

/// <summary>One request's denoising state: its own scheduler, random stream and latents. The
/// engine advances it one step at a time, possibly batched with other jobs' rows.</summary>
/// <remarks>Follows diffusers 0.27.2 StableDiffusionPipeline / Img2Img / Inpaint __call__:
/// prepare_latents, the CFG loop, and the 4-channel inpainting mask blend.</remarks>
public sealed class DenoiseJob
{
    private readonly DenoiseSpec _spec;
    private readonly IScheduler _scheduler;
    private readonly CountingNoiseSource? _noise;
    private readonly double[] _timesteps;
    private readonly float[] _initialNoise; // kept for the inpainting re-noise (diffusers: `noise`)
    private float[] _latents;
    private readonly float[] _scratch;
    private readonly long[] _shape;
    private int _setupDraws; // draws made before the first step (replayed by every constructor)

    /// <param name="unetInChannels">4, or 9 for inpainting UNets (latents + mask + masked image latents).</param>
    public DenoiseJob(DenoiseSpec spec, IScheduler scheduler, INoiseSourceFactory? noiseFactory, int unetInChannels)
    {
        _spec = spec;
        _scheduler = scheduler;
        UNetInChannels = unetInChannels;
        _shape = spec.LatentShape;
        int size = spec.LatentSize;
        _scratch = new float[size];

        if (spec.Seed is long seed && noiseFactory is not null)
            _noise = new CountingNoiseSource(noiseFactory.Create(seed));

        IReadOnlyList<double> timesteps;
        bool fromImage = spec.ImageLatents is not null;
        if (fromImage)
        {
            // StableDiffusionImg2ImgPipeline.get_timesteps. The strength travels as float32; widen it
            // through its shortest decimal form (0.7f -> 0.7) so int(steps * strength) matches Python's.
            double strength = (double)(decimal)spec.Strength;
            if (!(strength > 0 && strength <= 1))
                throw new ArgumentException($"strength must be in (0, 1], got {spec.Strength}");
            try
            {
                timesteps = Img2ImgTimesteps.Apply(scheduler, spec.Steps, strength).Timesteps;
            }
            catch (ArgumentOutOfRangeException)
            {
                throw new ArgumentException($"strength {spec.Strength} with {spec.Steps} steps leaves no denoising step; raise the strength or the steps");
            }
        }
        else
        {
            scheduler.SetTimesteps(spec.Steps);
            timesteps = scheduler.Timesteps;
        }
        _timesteps = [.. timesteps];

        foreach (var s in spec.RngDrawsBeforeNoise) Discard(s);

        _initialNoise = new float[size];
        _latents = new float[size];
        float initSigma = (float)scheduler.InitNoiseSigma;
        if (spec.InitialLatents is { } given)
        {
            given.AsSpan().CopyTo(_initialNoise);
        }
        else
        {
            RequireNoise("the initial noise").Randn(_initialNoise, _shape);
        }

        if (!fromImage || (spec.IsInpainting && (spec.Strength >= 1f || spec.InitialLatents is not null)))
        {
            // txt2img, or inpainting at strength 1 / with given latents: latents = noise * init_noise_sigma
            for (int i = 0; i < size; i++) _latents[i] = _initialNoise[i] * initSigma;
        }
        else
        {
            // latents = scheduler.add_noise(image_latents, noise, latent_timestep)
            AddNoise(spec.ImageLatents!, _initialNoise, _timesteps[0], _latents);
        }

        foreach (var s in spec.RngDrawsAfterNoise) Discard(s);
        _setupDraws = _noise?.Draws ?? 0;
    }

    public DenoiseSpec Spec => _spec;
    public int UNetInChannels { get; }
    public IReadOnlyList<double> Timesteps => _timesteps;
    public int TotalSteps => _timesteps.Length;
    /// <summary>Steps completed (index of the next step).</summary>
    public int StepIndex { get; private set; }
    public bool IsDone => StepIndex >= _timesteps.Length;
    public double CurrentTimestep => _timesteps[StepIndex];
    /// <summary>UNet rows this job contributes per step (2N with guidance).</summary>
    public int Rows => _spec.DoClassifierFreeGuidance ? 2 * _spec.Count : _spec.Count;
    public ReadOnlySpan<float> Latents => _latents;
    public string SchedulerName => _scheduler.Name;
    public double? CurrentSigma => _scheduler.Sigmas is { } s && StepIndex < s.Count ? s[StepIndex] : null;

    /// <summary>Embeddings for this job's rows in UNet order: [uncond(N); cond(N)] with guidance.</summary>
    public float[] ConditioningRows()
    {
        if (!_spec.DoClassifierFreeGuidance) return _spec.Cond;
        var uncond = _spec.Uncond ?? throw new InvalidOperationException("guidance needs negative embeddings");
        return [.. uncond, .. _spec.Cond];
    }

    /// <summary>Writes this step's UNet input rows ([Rows, UNetInChannels, h, w]) into <paramref name="destination"/>.</summary>
    public void PrepareInput(Span<float> destination)
    {
        int size = _spec.LatentSize;
        // scale_model_input(cat([latents] * 2), t) == cat([scale_model_input(latents, t)] * 2) element-wise
        _scheduler.ScaleModelInput(_latents, _timesteps[StepIndex], _scratch);
        int copies = _spec.DoClassifierFreeGuidance ? 2 : 1;
        if (UNetInChannels == _spec.LatentChannels)
        {
            for (int c = 0; c < copies; c++) _scratch.CopyTo(destination.Slice(c * size, size));
            return;
        }
        // 9-channel inpainting UNet: cat([latent_model_input, mask, masked_image_latents], dim=1)
        var mask = _spec.Mask ?? throw new InvalidOperationException("a 9-channel UNet needs a mask");
        var masked = _spec.MaskedImageLatents ?? throw new InvalidOperationException("a 9-channel UNet needs masked image latents");
        int hw = _spec.LatentHeight * _spec.LatentWidth;
        int lc = _spec.LatentChannels;
        int rowOut = UNetInChannels * hw;
        for (int c = 0; c < copies; c++)
        {
            for (int n = 0; n < _spec.Count; n++)
            {
                var row = destination.Slice((c * _spec.Count + n) * rowOut, rowOut);
                _scratch.AsSpan(n * lc * hw, lc * hw).CopyTo(row);
                mask.AsSpan(n * hw, hw).CopyTo(row.Slice(lc * hw));
                masked.AsSpan(n * lc * hw, lc * hw).CopyTo(row.Slice((lc + 1) * hw));
            }
        }
    }

    /// <summary>Applies guidance and the scheduler step to this job's UNet output rows
    /// ([Rows, C, h, w]), then the inpainting blend; advances <see cref="StepIndex"/>.</summary>
    public void CompleteStep(ReadOnlySpan<float> unetOutput)
    {
        int size = _spec.LatentSize;
        double t = _timesteps[StepIndex];
        Span<float> guided = _scratch;
        if (_spec.DoClassifierFreeGuidance)
        {
            // noise_pred = uncond + guidance_scale * (text - uncond)
            var uncond = unetOutput[..size];
            var text = unetOutput.Slice(size, size);
            float g = _spec.GuidanceScale;
            for (int i = 0; i < size; i++) guided[i] = uncond[i] + g * (text[i] - uncond[i]);
        }
        else
        {
            unetOutput[..size].CopyTo(guided);
        }

        var next = new float[size];
        _scheduler.Step(guided, t, _latents, next, _shape, _noise, _spec.StepOptions);
        _latents = next;

        if (_spec.IsInpainting && UNetInChannels == _spec.LatentChannels)
            BlendInpaintMask();
        StepIndex++;
    }

    // diffusers StableDiffusionInpaintPipeline, num_channels_unet == 4:
    // init_latents_proper = image_latents (re-noised to the next timestep unless last);
    // latents = (1 - init_mask) * init_latents_proper + init_mask * latents
    private void BlendInpaintMask()
    {
        var image = _spec.ImageLatents ?? throw new InvalidOperationException("inpainting needs image latents");
        var mask = _spec.Mask!;
        int size = _spec.LatentSize;
        Span<float> proper = _scratch;
        if (StepIndex < _timesteps.Length - 1)
            AddNoise(image, _initialNoise, _timesteps[StepIndex + 1], proper);
        else
            image.AsSpan().CopyTo(proper);
        int hw = _spec.LatentHeight * _spec.LatentWidth;
        int perImage = _spec.LatentChannels * hw;
        for (int i = 0; i < size; i++)
        {
            float m = mask[i / perImage * hw + i % hw];
            _latents[i] = (1 - m) * proper[i] + m * _latents[i];
        }
    }

    private void AddNoise(ReadOnlySpan<float> original, ReadOnlySpan<float> noise, double timestep, Span<float> destination)
    {
        Span<double> perRow = _spec.Count <= 64 ? stackalloc double[_spec.Count] : new double[_spec.Count];
        perRow.Fill(timestep);
        _scheduler.AddNoise(original, noise, perRow, destination, _shape);
    }

    private INoiseSource RequireNoise(string what) =>
        _noise ?? throw new ArgumentException($"a seed is required to draw {what}");

    private void Discard(long[] shape)
    {
        long n = 1;
        foreach (var d in shape) n *= d;
        RequireNoise("the replayed draws").Randn(new float[n], shape);
    }

    /// <summary>State to continue on another replica; see <see cref="Restore"/>.</summary>
    public DenoiseCheckpoint Checkpoint() =>
        new(StepIndex, (float[])_latents.Clone(), _scheduler.SaveState(), (_noise?.Draws ?? 0) - _setupDraws);

    /// <summary>Continues from a checkpoint of a run of the same spec: replays the random stream
    /// to the same position and restores the scheduler, so the result equals the uninterrupted run.</summary>
    public void Restore(DenoiseCheckpoint checkpoint)
    {
        if (StepIndex != 0)
            throw new InvalidOperationException("restore before the first step");
        if (checkpoint.Step < 0 || checkpoint.Step > _timesteps.Length)
            throw new ArgumentException($"resume.step: {checkpoint.Step} is outside 0..{_timesteps.Length} (the steps this request runs)");
        if (checkpoint.Latents.Length != _latents.Length)
            throw new ArgumentException($"checkpoint latents have {checkpoint.Latents.Length} elements, the request needs {_latents.Length}");
        for (int i = 0; i < checkpoint.NoiseDraws; i++)
            RequireNoise("the replayed step noise").Randn(_scratch, _shape);
        _scheduler.RestoreState(checkpoint.SchedulerState);
        checkpoint.Latents.AsSpan().CopyTo(_latents);
        StepIndex = checkpoint.Step;
    }
}

/// <summary>A point a run can continue from.</summary>
/// <param name="NoiseDraws">Step-noise draws the scheduler made so far (all of the latents' shape).</param>
public sealed record DenoiseCheckpoint(int Step, float[] Latents, SchedulerState SchedulerState, int NoiseDraws);
