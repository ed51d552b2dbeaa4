namespace Diffusion.Schedulers;

/// <summary>The part of the schedule an img2img run visits.</summary>
/// <param name="Timesteps">The timesteps to denoise over (a suffix of <see cref="IScheduler.Timesteps"/>).</param>
/// <param name="NumInferenceSteps">diffusers' returned <c>num_inference_steps - t_start</c>.</param>
/// <param name="LatentTimestep">The timestep at which the image latents are noised (<c>timesteps[0]</c>),
/// for <see cref="IScheduler.AddNoise"/>.</param>
/// <param name="BeginIndex">The begin index set on the scheduler, or null when the class has no
/// <c>set_begin_index</c>.</param>
public sealed record Img2ImgSchedule(IReadOnlyList<double> Timesteps, int NumInferenceSteps, double LatentTimestep, int? BeginIndex);

/// <summary>diffusers <c>StableDiffusionImg2ImgPipeline.get_timesteps</c>.</summary>
public static class Img2ImgTimesteps
{
    /// <summary>
    /// Calls <see cref="IScheduler.SetTimesteps"/>(<paramref name="numInferenceSteps"/>), then keeps
    /// the last <c>init_timestep = min(int(steps * strength), steps)</c> inference steps:
    /// <c>t_start = max(steps - init_timestep, 0)</c>, <c>timesteps[t_start * order:]</c>, and
    /// <c>set_begin_index(t_start * order)</c> where the class has it.
    /// </summary>
    /// <param name="scheduler">A fresh scheduler for the request.</param>
    /// <param name="numInferenceSteps">The requested steps.</param>
    /// <param name="strength">In [0, 1]: how much of the schedule to run (1 = from pure noise).</param>
    /// <exception cref="ArgumentOutOfRangeException">Strength outside [0, 1], or so small that no step remains.</exception>
    public static Img2ImgSchedule Apply(IScheduler scheduler, int numInferenceSteps, double strength)
    {
        ArgumentNullException.ThrowIfNull(scheduler);
        if (!(strength >= 0 && strength <= 1))
            throw new ArgumentOutOfRangeException(nameof(strength), strength, "strength must be in [0, 1]");
        scheduler.SetTimesteps(numInferenceSteps);
        // int(num_inference_steps * strength): Python truncates the float64 product.
        int initTimestep = Math.Min((int)Math.Truncate(numInferenceSteps * strength), numInferenceSteps);
        int tStart = Math.Max(numInferenceSteps - initTimestep, 0);
        int begin = tStart * scheduler.Order;
        var all = scheduler.Timesteps;
        if (begin >= all.Count)
            throw new ArgumentOutOfRangeException(nameof(strength), strength,
                $"strength {strength} with {numInferenceSteps} steps leaves no timestep to denoise");
        var timesteps = all.Skip(begin).ToArray();
        int? beginIndex = null;
        if (scheduler.SupportsBeginIndex)
        {
            scheduler.SetBeginIndex(begin);
            beginIndex = begin;
        }
        return new Img2ImgSchedule(timesteps, numInferenceSteps - tStart, timesteps[0], beginIndex);
    }
}
