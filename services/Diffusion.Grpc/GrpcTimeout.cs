namespace Diffusion.Grpc;

/// <summary>
/// The grpc-timeout header: at most 8 ASCII digits followed by a unit, H (hours), M (minutes),
/// S (seconds), m (milliseconds), u (microseconds) or n (nanoseconds) (PROTOCOL-HTTP2.md).
/// </summary>
public static class GrpcTimeout
{
    /// <summary>The spec allows at most 8 digits.</summary>
    public const int MaxDigits = 8;

    private const long MaxValue = 99_999_999;

    // Ticks (100 ns) per unit, coarsest first; nanoseconds are handled apart (a tick is 100 of them).
    private static readonly (char Unit, long Ticks)[] Units =
    [
        ('H', TimeSpan.TicksPerHour),
        ('M', TimeSpan.TicksPerMinute),
        ('S', TimeSpan.TicksPerSecond),
        ('m', TimeSpan.TicksPerMillisecond),
        ('u', 10),
    ];

    /// <summary>Parses a header value; false when it is malformed (the caller then ignores it).</summary>
    public static bool TryParse(ReadOnlySpan<char> value, out TimeSpan timeout)
    {
        timeout = TimeSpan.Zero;
        if (value.Length is < 2 or > MaxDigits + 1)
        {
            return false;
        }

        long amount = 0;
        foreach (var c in value[..^1])
        {
            if (c is < '0' or > '9')
            {
                return false;
            }

            amount = (amount * 10) + (c - '0');
        }

        long ticks;
        switch (value[^1])
        {
            case 'H': ticks = amount * TimeSpan.TicksPerHour; break;
            case 'M': ticks = amount * TimeSpan.TicksPerMinute; break;
            case 'S': ticks = amount * TimeSpan.TicksPerSecond; break;
            case 'm': ticks = amount * TimeSpan.TicksPerMillisecond; break;
            case 'u': ticks = amount * 10; break;
            // 100 ns per tick; round up so a tiny timeout does not become "no time at all".
            case 'n': ticks = (amount + 99) / 100; break;
            default: return false;
        }

        timeout = TimeSpan.FromTicks(ticks);
        return true;
    }

    /// <summary>
    /// Formats a timeout: in the coarsest unit that states it exactly within 8 digits ("1m", "30S"),
    /// else in the finest unit that fits 8 digits, rounded up (a deadline is never shortened).
    /// Zero or negative becomes "1n": the remote side sees an already expired deadline.
    /// </summary>
    public static string Format(TimeSpan timeout)
    {
        var ticks = timeout.Ticks;
        if (ticks <= 0)
        {
            return "1n";
        }

        foreach (var (unit, perUnit) in Units)
        {
            if (ticks % perUnit == 0 && ticks / perUnit <= MaxValue)
            {
                return Text(ticks / perUnit, unit);
            }
        }

        if (ticks <= MaxValue / 100)
        {
            return Text(ticks * 100, 'n');
        }

        for (var i = Units.Length - 1; i >= 0; i--)
        {
            var (unit, perUnit) = Units[i];
            var amount = (ticks / perUnit) + (ticks % perUnit == 0 ? 0 : 1);
            if (amount <= MaxValue)
            {
                return Text(amount, unit);
            }
        }

        return Text(MaxValue, 'H');
    }

    private static string Text(long amount, char unit) =>
        amount.ToString(System.Globalization.CultureInfo.InvariantCulture) + unit;
}
