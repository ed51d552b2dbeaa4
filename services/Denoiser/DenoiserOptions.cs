using Diffusion.Pipelines.Denoising;

namespace Diffusion.Denoiser;

/// <summary>The step-batching engine's limits, from the configuration section <c>Diffusion:Denoiser</c>.</summary>
public sealed class DenoiserOptions
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "Diffusion:Denoiser";

    /// <summary><c>MaxBatchRows</c>: most UNet rows in one forward pass (a guided image is 2 rows). Default 8.</summary>
    public int MaxBatchRows { get; set; } = 8;

    /// <summary><c>QueueCapacity</c>: requests waiting to start; beyond it RESOURCE_EXHAUSTED. Default 16.</summary>
    public int QueueCapacity { get; set; } = 16;

    /// <summary><c>MaxActiveJobs</c>: requests denoised concurrently, interleaved step by step. Default 8.</summary>
    public int MaxActiveJobs { get; set; } = 8;

    /// <summary><c>RetryAfterMs</c>: the grpc-retry-pushback-ms hint sent when the queue is full. Default 1000.</summary>
    public int RetryAfterMs { get; set; } = 1000;

    /// <summary>The engine options.</summary>
    /// <exception cref="InvalidOperationException">A value is not positive (names the key).</exception>
    public DenoiseEngineOptions ToEngineOptions()
    {
        Positive(MaxBatchRows, nameof(MaxBatchRows));
        Positive(QueueCapacity, nameof(QueueCapacity));
        Positive(MaxActiveJobs, nameof(MaxActiveJobs));
        Positive(RetryAfterMs, nameof(RetryAfterMs));
        return new DenoiseEngineOptions
        {
            MaxBatchRows = MaxBatchRows,
            QueueCapacity = QueueCapacity,
            MaxActiveJobs = MaxActiveJobs,
            RetryAfter = TimeSpan.FromMilliseconds(RetryAfterMs),
        };
    }

    private static void Positive(int value, string key)
    {
        if (value < 1)
            throw new InvalidOperationException($"Configuration {SectionName}:{key}: {value} must be at least 1.");
    }
}
