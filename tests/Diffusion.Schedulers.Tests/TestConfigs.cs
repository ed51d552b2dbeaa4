namespace Diffusion.Schedulers.Tests;

/// <summary>Configurations shared by the unit tests.</summary>
internal static class TestConfigs
{
    /// <summary>Stable Diffusion 1.5's scheduler_config.json (PNDM, as shipped).</summary>
    public static SchedulerConfig StableDiffusion15 { get; } = SchedulerConfig.Parse("""
        {
          "_class_name": "PNDMScheduler",
          "_diffusers_version": "0.6.0",
          "beta_end": 0.012,
          "beta_schedule": "scaled_linear",
          "beta_start": 0.00085,
          "num_train_timesteps": 1000,
          "set_alpha_to_one": false,
          "skip_prk_steps": true,
          "steps_offset": 1,
          "trained_betas": null,
          "clip_sample": false
        }
        """);
}
