namespace Diffusion.Cli.Commands;

/// <summary>The model used when --model is not given.</summary>
internal static class DefaultModel
{
    /// <summary>The built-in tiny random-weight model is written by the model library, which is not
    /// part of this build yet: say so instead of producing anything.</summary>
    public static Task<string> EnsureAsync(Action<string> report, CancellationToken cancellationToken)
    {
        _ = report;
        cancellationToken.ThrowIfCancellationRequested();
        throw new NotSupportedException(
            "no --model given and the built-in tiny model is not available in this build yet; " +
            "run against a running stack with --gateway URL (see README.md, section Status)");
    }
}
