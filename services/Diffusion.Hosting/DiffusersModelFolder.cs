using Diffusion.Schedulers;

namespace Diffusion.Hosting;

/// <summary>The layout of a diffusers model folder (<c>StableDiffusionPipeline.save_pretrained</c>).</summary>
public static class DiffusersModelFolder
{
    /// <summary><c>scheduler/scheduler_config.json</c> under <paramref name="modelDir"/>.</summary>
    public static string SchedulerConfigPath(string modelDir) => Path.Combine(modelDir, "scheduler", "scheduler_config.json");

    /// <summary>Reads <see cref="SchedulerConfigPath"/>.</summary>
    /// <exception cref="FileNotFoundException">The folder has no scheduler config.</exception>
    public static SchedulerConfig LoadSchedulerConfig(string modelDir)
    {
        string path = SchedulerConfigPath(modelDir);
        if (!File.Exists(path))
            throw new FileNotFoundException($"the model folder has no scheduler config: {path} is missing", path);
        return SchedulerConfig.Load(path);
    }
}
