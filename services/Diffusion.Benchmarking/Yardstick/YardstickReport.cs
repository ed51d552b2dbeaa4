using System.Text.Json.Serialization;

namespace Diffusion.Benchmarking.Yardstick;

/// <summary>The JSON benchmarks/yardstick/unet_bench.py prints (snake_case on the wire).</summary>
public sealed record YardstickReport
{
    /// <summary>PyTorch version of the yardstick.</summary>
    [JsonPropertyName("torch_version")] public string TorchVersion { get; init; } = "";

    /// <summary>torch.get_num_threads() during the run.</summary>
    [JsonPropertyName("torch_threads")] public int TorchThreads { get; init; }

    /// <summary>UNet parameter count (a check that the same architecture was built).</summary>
    [JsonPropertyName("parameters")] public long Parameters { get; init; }

    /// <summary>Peak RSS (VmHWM) of the Python process in MiB.</summary>
    [JsonPropertyName("peak_rss_mb")] public double? PeakRssMb { get; init; }

    /// <summary>One timing per attention mode.</summary>
    [JsonPropertyName("results")] public IReadOnlyList<YardstickTiming> Results { get; init; } = [];
}

/// <summary>One attention mode's timings from the yardstick.</summary>
public sealed record YardstickTiming
{
    /// <summary>"default" (diffusers AttnProcessor) or "sliced" (SlicedAttnProcessor, slice size 1).</summary>
    [JsonPropertyName("attention")] public string Attention { get; init; } = "";

    /// <summary>Timed iterations in milliseconds.</summary>
    [JsonPropertyName("times_ms")] public IReadOnlyList<double> TimesMs { get; init; } = [];

    /// <summary>Untimed warm-up forwards.</summary>
    [JsonPropertyName("warmup")] public int Warmup { get; init; }
}
