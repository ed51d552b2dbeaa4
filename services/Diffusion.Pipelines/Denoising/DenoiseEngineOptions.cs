namespace Diffusion.Pipelines.Denoising;

/// <summary>Limits of the step-level batching engine.</summary>
public sealed record DenoiseEngineOptions
{
    /// <summary>Most UNet rows in one forward pass (a guided image is 2 rows). A single request
    /// larger than this still runs, alone.</summary>
    public int MaxBatchRows { get; init; } = 8;

    /// <summary>Requests waiting to start; beyond it Submit fails fast with <see cref="DenoiseQueueFullException"/>.</summary>
    public int QueueCapacity { get; init; } = 16;

    /// <summary>Requests denoised concurrently (interleaved step by step).</summary>
    public int MaxActiveJobs { get; init; } = 8;

    /// <summary>Hint given to rejected callers: retry after about this long.</summary>
    public TimeSpan RetryAfter { get; init; } = TimeSpan.FromSeconds(1);
}

/// <summary>The queue is full: the caller should retry later (services map it to RESOURCE_EXHAUSTED).</summary>
public sealed class DenoiseQueueFullException(int capacity, TimeSpan retryAfter)
    : Exception($"the denoiser queue is full ({capacity} requests waiting); retry after {retryAfter.TotalMilliseconds:0} ms")
{
    public TimeSpan RetryAfter { get; } = retryAfter;
}
