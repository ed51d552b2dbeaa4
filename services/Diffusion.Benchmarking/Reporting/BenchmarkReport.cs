using Diffusion.Benchmarking.Machine;

namespace Diffusion.Benchmarking.Reporting;

/// <summary>Everything one `diffusion bench` invocation measured: the JSON document it writes.</summary>
public sealed record BenchmarkReport
{
    /// <summary>Report format version; bump when a field changes meaning.</summary>
    public int SchemaVersion { get; init; } = 1;

    /// <summary>The command line that produced the report, e.g. "bench unet --random-weights sd15".</summary>
    public required string Command { get; init; }

    /// <summary>When the run started (UTC).</summary>
    public required DateTimeOffset StartedUtc { get; init; }

    /// <summary>The machine it ran on.</summary>
    public required MachineDescription Machine { get; init; }

    /// <summary>Every measured configuration.</summary>
    public required IReadOnlyList<BenchmarkResult> Results { get; init; }

    /// <summary>Side-by-side ratios between results.</summary>
    public IReadOnlyList<Comparison> Comparisons { get; init; } = [];

    /// <summary>Free-form notes (e.g. the load average at the end, skipped parts and why).</summary>
    public IReadOnlyList<string> Notes { get; init; } = [];
}
