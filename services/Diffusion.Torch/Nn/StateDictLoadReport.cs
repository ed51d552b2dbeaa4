namespace Diffusion.Torch.Nn;

/// <summary>A state-dict key whose stored shape differs from the module's.</summary>
/// <param name="Key">The dotted name.</param>
/// <param name="Expected">The module's shape.</param>
/// <param name="Actual">The stored shape.</param>
public sealed record ShapeMismatch(string Key, long[] Expected, long[] Actual)
{
    /// <summary>e.g. <c>conv_in.weight: expected [32, 4, 3, 3], found [32, 9, 3, 3]</c>.</summary>
    public override string ToString() => $"{Key}: expected [{string.Join(", ", Expected)}], found [{string.Join(", ", Actual)}]";
}

/// <summary>What <see cref="Module.LoadStateDict"/> did: keys the module expects but the source lacks,
/// keys the source has but the module does not, shape mismatches (not loaded), and how many loaded.</summary>
public sealed record StateDictLoadReport(
    IReadOnlyList<string> MissingKeys,
    IReadOnlyList<string> UnexpectedKeys,
    IReadOnlyList<ShapeMismatch> ShapeMismatches,
    int LoadedCount)
{
    /// <summary>True when every module tensor loaded and the source had nothing else.</summary>
    public bool IsComplete => MissingKeys.Count == 0 && UnexpectedKeys.Count == 0 && ShapeMismatches.Count == 0;

    /// <summary>Every problem, one per line (empty when complete).</summary>
    public override string ToString()
    {
        var lines = new List<string>();
        lines.AddRange(MissingKeys.Select(k => $"missing: {k}"));
        lines.AddRange(UnexpectedKeys.Select(k => $"unexpected: {k}"));
        lines.AddRange(ShapeMismatches.Select(m => $"shape mismatch: {m}"));
        return string.Join('\n', lines);
    }
}

/// <summary>A strict <see cref="Module.LoadStateDict"/> found missing, unexpected or mismatched keys;
/// <see cref="Report"/> lists all of them (as does the message). Nothing was loaded.</summary>
public sealed class StateDictLoadException : Exception
{
    /// <summary>Creates the exception for <paramref name="report"/>.</summary>
    public StateDictLoadException(string moduleName, StateDictLoadReport report)
        : base($"Error(s) loading the state dict of {moduleName}: {report.MissingKeys.Count} missing, {report.UnexpectedKeys.Count} unexpected, {report.ShapeMismatches.Count} shape mismatch(es)\n{report}")
        => Report = report;

    /// <summary>The full comparison.</summary>
    public StateDictLoadReport Report { get; }
}
