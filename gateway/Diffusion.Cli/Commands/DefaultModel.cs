using Diffusion.Models.TinyModels;

namespace Diffusion.Cli.Commands;

/// <summary>
/// The model used when --model is not given. No trained weights ship with the project (none can be
/// downloaded here), so until one does, the default is a tiny Stable-Diffusion-architecture model
/// with seeded random weights, written once as a diffusers folder by <see cref="TinyModelWriter"/>.
/// Its images are noise; point --model at SD 1.5 or 2.1 weights for real images.
/// </summary>
internal static class DefaultModel
{
    /// <summary>Bump when <see cref="TinyModelWriter"/>'s output changes, so a stale cache is not reused.</summary>
    public const string Name = "tiny-sd-random-v1";

    /// <summary>The seed of the built-in model's weights.</summary>
    public const int Seed = 20261122;

    /// <summary>Where the default model lives: <c>$DIFFUSION_MODELS</c>, else <c>$XDG_CACHE_HOME/diffusion/models</c>, else <c>~/.cache/diffusion/models</c>.</summary>
    public static string Directory
    {
        get
        {
            string? root = Environment.GetEnvironmentVariable("DIFFUSION_MODELS");
            if (string.IsNullOrEmpty(root))
            {
                string? cache = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
                if (string.IsNullOrEmpty(cache))
                    cache = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache");
                root = Path.Combine(cache, "diffusion", "models");
            }
            return Path.Combine(root, Name);
        }
    }

    /// <summary>Returns the default model's folder, writing it on first use.</summary>
    public static Task<string> EnsureAsync(Action<string> report, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        string dir = Directory;
        if (File.Exists(Path.Combine(dir, "model_index.json")))
        {
            report($"no --model given: using the built-in tiny random-weight model at {dir} (its images are noise; pass --model DIR with SD 1.5/2.1 weights for real images)");
            return Task.FromResult(dir);
        }
        report($"no --model given: writing the built-in tiny random-weight model to {dir} (once; its images are noise; pass --model DIR with SD 1.5/2.1 weights for real images)");
        System.IO.Directory.CreateDirectory(Path.GetDirectoryName(dir)!);
        TinyModelWriter.Write(dir, Seed);
        return Task.FromResult(dir);
    }
}
