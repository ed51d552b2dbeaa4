namespace Diffusion.Testing.Otlp;

/// <summary>
/// One decoded metric data point, flattened with its metric's name, unit and kind so a test can
/// filter points with a single predicate.
/// </summary>
public sealed class ReceivedMetricPoint : ReceivedItem
{
    /// <summary>The instrument name, e.g. <c>diffusion.step.duration</c>.</summary>
    public required string MetricName { get; init; }

    /// <summary>The instrument description; empty when none.</summary>
    public required string Description { get; init; }

    /// <summary>The UCUM unit, e.g. <c>ms</c> or <c>{image}</c>; empty when none.</summary>
    public required string Unit { get; init; }

    /// <summary>Which OTLP data kind the metric was sent as.</summary>
    public required OtlpMetricType Type { get; init; }

    /// <summary>Delta or cumulative (sums and histograms); unspecified for gauges and summaries.</summary>
    public required OtlpAggregationTemporality Temporality { get; init; }

    /// <summary>Whether a sum only increases (a Counter); false for an UpDownCounter and non-sums.</summary>
    public required bool IsMonotonic { get; init; }

    /// <summary>Point attributes, decoded as <see cref="ReceivedSpan.Attributes"/>.</summary>
    public required IReadOnlyDictionary<string, object?> Attributes { get; init; }

    /// <summary>Start of the aggregation interval, nanoseconds since the Unix epoch (0 when unset).</summary>
    public required ulong StartTimeUnixNano { get; init; }

    /// <summary>Collection time, nanoseconds since the Unix epoch.</summary>
    public required ulong TimeUnixNano { get; init; }

    /// <summary>A gauge or sum point's value when sent as an integer (<c>as_int</c>).</summary>
    public long? LongValue { get; init; }

    /// <summary>A gauge or sum point's value when sent as a double (<c>as_double</c>).</summary>
    public double? DoubleValue { get; init; }

    /// <summary>Histogram and summary: the number of recorded values.</summary>
    public ulong Count { get; init; }

    /// <summary>Histogram and summary: the sum of recorded values, when sent.</summary>
    public double? Sum { get; init; }

    /// <summary>Histogram: the smallest recorded value, when sent.</summary>
    public double? Min { get; init; }

    /// <summary>Histogram: the largest recorded value, when sent.</summary>
    public double? Max { get; init; }

    /// <summary>Explicit-bucket histogram: the N bucket upper bounds (inclusive), ascending.</summary>
    public IReadOnlyList<double> ExplicitBounds { get; init; } = [];

    /// <summary>Explicit-bucket histogram: N+1 counts; count i covers (bounds[i-1], bounds[i]],
    /// the last one everything above the last bound.</summary>
    public IReadOnlyList<ulong> BucketCounts { get; init; } = [];

    /// <summary>A gauge or sum point's value whichever way it was sent, or null for other kinds.</summary>
    public double? Value => LongValue.HasValue ? LongValue.Value : DoubleValue;

    /// <inheritdoc />
    public override string ToString() =>
        $"{ServiceName}/{ScopeName} {MetricName} [{Unit}] {Type} value={Value} count={Count} sum={Sum}";
}

/// <summary>OTLP metric data kinds.</summary>
public enum OtlpMetricType
{
    /// <summary>Last value (ObservableGauge, Gauge).</summary>
    Gauge,

    /// <summary>A sum (Counter, UpDownCounter and their observable forms).</summary>
    Sum,

    /// <summary>An explicit-bucket histogram.</summary>
    Histogram,

    /// <summary>A base-2 exponential histogram (only count, sum, min and max are decoded).</summary>
    ExponentialHistogram,

    /// <summary>A summary (only count and sum are decoded).</summary>
    Summary,
}

/// <summary>OTLP aggregation temporality; the numbers are the wire values.</summary>
public enum OtlpAggregationTemporality
{
    /// <summary>Not applicable or not set.</summary>
    Unspecified = 0,

    /// <summary>Each point covers only the interval since the previous export.</summary>
    Delta = 1,

    /// <summary>Each point covers everything since the start time.</summary>
    Cumulative = 2,
}
