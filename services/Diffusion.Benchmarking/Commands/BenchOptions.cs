using Diffusion.Benchmarking.Runners;

namespace Diffusion.Benchmarking.Commands;

/// <summary>One `diffusion bench KIND ...` invocation, parsed.</summary>
public sealed record BenchOptions
{
    /// <summary>unet, text-encoder, vae-decode, pipeline, service or concurrency.</summary>
    public required string Kind { get; init; }

    /// <summary>Where the models come from.</summary>
    public required ModelSource Source { get; init; }

    /// <summary>Batch, size, steps, warm-up and iterations.</summary>
    public required RunOptions Run { get; init; }

    /// <summary>Engine and yardstick intra-op threads (the same count on both sides); 0 = leave the engine default.</summary>
    public int Threads { get; init; }

    /// <summary>Run the PyTorch yardstick side by side (unet only).</summary>
    public bool Yardstick { get; init; } = true;

    /// <summary>Yardstick attention modes: default, sliced.</summary>
    public IReadOnlyList<string> YardstickAttention { get; init; } = ["default", "sliced"];

    /// <summary>Concurrent requests for the concurrency benchmark.</summary>
    public int Requests { get; init; } = 8;

    /// <summary>With a non-f32 dtype, also generate in f32 and report the image PSNR (pipeline only).</summary>
    public bool CompareF32 { get; init; }

    /// <summary>Write the JSON report here.</summary>
    public string? JsonPath { get; init; }

    /// <summary>Write the SVG chart here.</summary>
    public string? SvgPath { get; init; }

    /// <summary>Write the markdown table here.</summary>
    public string? MarkdownPath { get; init; }

    /// <summary>The command line as typed, for the report.</summary>
    public string CommandLine { get; init; } = "";
}
