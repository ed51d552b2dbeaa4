using Polly;

namespace Diffusion.Gateway.Resilience;

/// <summary>What the attempts of one logical call have seen so far; travels in the Polly
/// <see cref="ResilienceContext"/> so the retry callbacks and the attempts share it.</summary>
internal sealed class AttemptLog
{
    public static readonly ResiliencePropertyKey<AttemptLog> Key = new("Diffusion.Gateway.AttemptLog");

    public AttemptLog(DateTime deadline) => Deadline = deadline;

    /// <summary>The overall deadline (UTC) every attempt carries.</summary>
    public DateTime Deadline { get; }

    /// <summary>Attempts started (1-based number of the current one).</summary>
    public int Attempts { get; set; }

    /// <summary>Why the current attempt is made ("initial" for the first).</summary>
    public string Reason { get; set; } = "initial";

    /// <summary>The delay the last retry decision chose (read by Polly's delay generator).</summary>
    public TimeSpan NextDelay { get; set; }

    /// <summary>Why the last failure was not retried, when it was not.</summary>
    public string? GaveUpBecause { get; set; }

    /// <summary>Streams resumed on another replica.</summary>
    public int Failovers { get; set; }
}
