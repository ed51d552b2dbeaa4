using Diffusion.Testing.Otlp.Protocol.Collector.Metrics;
using Diffusion.Testing.Otlp.Protocol.Metrics;

namespace Diffusion.Testing.Otlp.Internal;

/// <summary>Flattens an ExportMetricsServiceRequest into one <see cref="ReceivedMetricPoint"/> per data point.</summary>
internal static class MetricDecoder
{
    public static List<ReceivedMetricPoint> Decode(ExportMetricsServiceRequest request, Func<int, ReceivedExport> export)
    {
        var builders = new List<Func<ReceivedExport, ReceivedMetricPoint>>();
        foreach (var resourceMetrics in request.ResourceMetrics)
        {
            var resource = AttributeDecoder.Decode(resourceMetrics.Resource?.Attributes ?? []);
            foreach (var scopeMetrics in resourceMetrics.ScopeMetrics)
            {
                var scopeName = scopeMetrics.Scope?.Name ?? string.Empty;
                var scopeVersion = scopeMetrics.Scope?.Version ?? string.Empty;
                foreach (var metric in scopeMetrics.Metrics)
                {
                    var context = new MetricContext(resource, scopeName, scopeVersion, metric);
                    AddPoints(builders, context);
                }
            }
        }

        var exportInfo = export(builders.Count);
        return builders.Select(build => build(exportInfo)).ToList();
    }

    private static void AddPoints(List<Func<ReceivedExport, ReceivedMetricPoint>> builders, MetricContext c)
    {
        var metric = c.Metric;
        switch (metric.DataCase)
        {
            case Metric.DataOneofCase.Gauge:
                foreach (var point in metric.Gauge.DataPoints)
                {
                    builders.Add(e => Number(c, e, point, OtlpMetricType.Gauge, OtlpAggregationTemporality.Unspecified, false));
                }

                break;
            case Metric.DataOneofCase.Sum:
                foreach (var point in metric.Sum.DataPoints)
                {
                    builders.Add(e => Number(
                        c, e, point, OtlpMetricType.Sum,
                        (OtlpAggregationTemporality)(int)metric.Sum.AggregationTemporality,
                        metric.Sum.IsMonotonic));
                }

                break;
            case Metric.DataOneofCase.Histogram:
                foreach (var point in metric.Histogram.DataPoints)
                {
                    builders.Add(e => Histogram(c, e, point, (OtlpAggregationTemporality)(int)metric.Histogram.AggregationTemporality));
                }

                break;
            case Metric.DataOneofCase.ExponentialHistogram:
                foreach (var point in metric.ExponentialHistogram.DataPoints)
                {
                    var temporality = (OtlpAggregationTemporality)(int)metric.ExponentialHistogram.AggregationTemporality;
                    builders.Add(e => new ReceivedMetricPoint
                    {
                        ResourceAttributes = c.Resource,
                        ScopeName = c.ScopeName,
                        ScopeVersion = c.ScopeVersion,
                        Export = e,
                        MetricName = metric.Name,
                        Description = metric.Description,
                        Unit = metric.Unit,
                        Type = OtlpMetricType.ExponentialHistogram,
                        Temporality = temporality,
                        IsMonotonic = false,
                        Attributes = AttributeDecoder.Decode(point.Attributes),
                        StartTimeUnixNano = point.StartTimeUnixNano,
                        TimeUnixNano = point.TimeUnixNano,
                        Count = point.Count,
                        Sum = point.HasSum ? point.Sum : null,
                        Min = point.HasMin ? point.Min : null,
                        Max = point.HasMax ? point.Max : null,
                    });
                }

                break;
            case Metric.DataOneofCase.Summary:
                foreach (var point in metric.Summary.DataPoints)
                {
                    builders.Add(e => new ReceivedMetricPoint
                    {
                        ResourceAttributes = c.Resource,
                        ScopeName = c.ScopeName,
                        ScopeVersion = c.ScopeVersion,
                        Export = e,
                        MetricName = metric.Name,
                        Description = metric.Description,
                        Unit = metric.Unit,
                        Type = OtlpMetricType.Summary,
                        Temporality = OtlpAggregationTemporality.Unspecified,
                        IsMonotonic = false,
                        Attributes = AttributeDecoder.Decode(point.Attributes),
                        StartTimeUnixNano = point.StartTimeUnixNano,
                        TimeUnixNano = point.TimeUnixNano,
                        Count = point.Count,
                        Sum = point.Sum,
                    });
                }

                break;
            default:
                // A metric with no data is legal on the wire but carries nothing to assert on.
                break;
        }
    }

    private static ReceivedMetricPoint Number(
        MetricContext c,
        ReceivedExport export,
        NumberDataPoint point,
        OtlpMetricType type,
        OtlpAggregationTemporality temporality,
        bool isMonotonic) => new()
        {
            ResourceAttributes = c.Resource,
            ScopeName = c.ScopeName,
            ScopeVersion = c.ScopeVersion,
            Export = export,
            MetricName = c.Metric.Name,
            Description = c.Metric.Description,
            Unit = c.Metric.Unit,
            Type = type,
            Temporality = temporality,
            IsMonotonic = isMonotonic,
            Attributes = AttributeDecoder.Decode(point.Attributes),
            StartTimeUnixNano = point.StartTimeUnixNano,
            TimeUnixNano = point.TimeUnixNano,
            LongValue = point.ValueCase == NumberDataPoint.ValueOneofCase.AsInt ? point.AsInt : null,
            DoubleValue = point.ValueCase == NumberDataPoint.ValueOneofCase.AsDouble ? point.AsDouble : null,
        };

    private static ReceivedMetricPoint Histogram(
        MetricContext c,
        ReceivedExport export,
        HistogramDataPoint point,
        OtlpAggregationTemporality temporality) => new()
        {
            ResourceAttributes = c.Resource,
            ScopeName = c.ScopeName,
            ScopeVersion = c.ScopeVersion,
            Export = export,
            MetricName = c.Metric.Name,
            Description = c.Metric.Description,
            Unit = c.Metric.Unit,
            Type = OtlpMetricType.Histogram,
            Temporality = temporality,
            IsMonotonic = false,
            Attributes = AttributeDecoder.Decode(point.Attributes),
            StartTimeUnixNano = point.StartTimeUnixNano,
            TimeUnixNano = point.TimeUnixNano,
            Count = point.Count,
            Sum = point.HasSum ? point.Sum : null,
            Min = point.HasMin ? point.Min : null,
            Max = point.HasMax ? point.Max : null,
            ExplicitBounds = point.ExplicitBounds.ToArray(),
            BucketCounts = point.BucketCounts.ToArray(),
        };

    private sealed record MetricContext(
        IReadOnlyDictionary<string, object?> Resource,
        string ScopeName,
        string ScopeVersion,
        Metric Metric);
}
