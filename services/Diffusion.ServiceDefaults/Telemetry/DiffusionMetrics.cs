using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Diffusion.ServiceDefaults.Telemetry;

/// <summary>
/// The Diffusion instruments, on one <see cref="Meter"/> named <see cref="MeterName"/>. Every
/// service gets one instance from DI (a singleton registered by <c>AddDiffusionTelemetry</c>) and
/// records what it does; the resource's <c>service.name</c> says which service a series is from.
/// </summary>
/// <remarks>
/// Recording is cheap and thread-safe and does nothing while no MeterProvider listens. Derived
/// quantities are left to the backend: images per second is <c>rate(diffusion.images.generated)</c>,
/// step latency percentiles come from the histogram's buckets.
/// </remarks>
public sealed class DiffusionMetrics
{
    /// <summary>The meter every Diffusion instrument belongs to (matched by the <c>Diffusion.*</c> wildcard).</summary>
    public const string MeterName = "Diffusion.Service";

    /// <summary>Histogram, milliseconds: wall time of one denoising step (UNet forward plus scheduler step).</summary>
    public const string StepDurationName = "diffusion.step.duration";

    /// <summary>Counter, images: images finished (decoded and returned).</summary>
    public const string ImagesGeneratedName = "diffusion.images.generated";

    /// <summary>UpDownCounter, requests: requests waiting for a batch slot right now.</summary>
    public const string QueueDepthName = "diffusion.queue.depth";

    /// <summary>Histogram, images: images processed together in one forward pass.</summary>
    public const string BatchSizeName = "diffusion.batch.size";

    /// <summary>Counter, requests: finished RPCs, by <c>rpc.service</c>, <c>rpc.method</c> and <c>rpc.grpc.status_code</c>.</summary>
    public const string RequestsName = "diffusion.requests";

    /// <summary>ObservableGauge, bytes: device memory in use, by <c>diffusion.device</c>, read at each collection.</summary>
    public const string DeviceMemoryUsedName = "diffusion.device.memory.used";

    // Step times run from ~10 ms (small UNet on a fast GPU) to tens of seconds (CPU): roughly
    // 1-2-5 steps per decade. The SDK's default buckets (0..10000) would put every CPU step in the
    // overflow bucket.
    private static readonly double[] StepDurationBuckets =
        [1, 2, 5, 10, 20, 50, 100, 200, 500, 1_000, 2_000, 5_000, 10_000, 20_000, 60_000];

    private static readonly long[] BatchSizeBuckets = [1, 2, 4, 8, 16, 32, 64];

    private readonly Histogram<double> _stepDuration;
    private readonly Counter<long> _imagesGenerated;
    private readonly UpDownCounter<long> _queueDepth;
    private readonly Histogram<long> _batchSize;
    private readonly Counter<long> _requests;
    private readonly Lock _observersGate = new();
    private Func<IEnumerable<DeviceMemoryUsage>>[] _deviceMemoryObservers = [];

    /// <summary>Creates the instruments on a meter from <paramref name="meterFactory"/>, which owns
    /// (and disposes) the meter.</summary>
    public DiffusionMetrics(IMeterFactory meterFactory)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        var meter = meterFactory.Create(new MeterOptions(MeterName));

        _stepDuration = meter.CreateHistogram(
            StepDurationName,
            unit: "ms",
            description: "Wall time of one denoising step: UNet forward pass plus scheduler step.",
            tags: null,
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = StepDurationBuckets });
        _imagesGenerated = meter.CreateCounter<long>(
            ImagesGeneratedName, unit: "{image}", description: "Images generated and returned.");
        _queueDepth = meter.CreateUpDownCounter<long>(
            QueueDepthName, unit: "{request}", description: "Requests waiting for a batch slot.");
        _batchSize = meter.CreateHistogram(
            BatchSizeName,
            unit: "{image}",
            description: "Images processed together in one forward pass.",
            tags: null,
            advice: new InstrumentAdvice<long> { HistogramBucketBoundaries = BatchSizeBuckets });
        _requests = meter.CreateCounter<long>(
            RequestsName, unit: "{request}", description: "Finished RPCs by method and gRPC status code.");
        meter.CreateObservableGauge(
            DeviceMemoryUsedName,
            ObserveDeviceMemory,
            unit: "By",
            description: "Device memory in use, as reported by the registered observers.");
    }

    /// <summary>Records one denoising step's wall time in milliseconds, optionally tagged with the
    /// scheduler class name.</summary>
    public void RecordStepDuration(double milliseconds, string? scheduler = null)
    {
        if (scheduler is null)
        {
            _stepDuration.Record(milliseconds);
        }
        else
        {
            _stepDuration.Record(milliseconds, new KeyValuePair<string, object?>(DiffusionTags.Scheduler, scheduler));
        }
    }

    /// <summary>Counts <paramref name="count"/> finished images (must be non-negative).</summary>
    public void AddImagesGenerated(long count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        _imagesGenerated.Add(count);
    }

    /// <summary>A request entered the queue; pair every call with <see cref="DecrementQueueDepth"/>.</summary>
    public void IncrementQueueDepth() => _queueDepth.Add(1);

    /// <summary>A request left the queue (it was scheduled, cancelled or failed).</summary>
    public void DecrementQueueDepth() => _queueDepth.Add(-1);

    /// <summary>Records the number of images in one forward pass (must be positive).</summary>
    public void RecordBatchSize(int size)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(size);
        _batchSize.Record(size);
    }

    /// <summary>Counts one finished RPC.</summary>
    /// <param name="rpcService">Full service name, e.g. <c>diffusion.v1.Denoiser</c>.</param>
    /// <param name="rpcMethod">Method name, e.g. <c>Denoise</c>.</param>
    /// <param name="grpcStatusCode">The numeric gRPC status (0 = OK, 4 = DEADLINE_EXCEEDED, ...).</param>
    public void RecordRequest(string rpcService, string rpcMethod, int grpcStatusCode)
    {
        var tags = new TagList
        {
            { DiffusionTags.RpcSystem, DiffusionTags.RpcSystemGrpc },
            { DiffusionTags.RpcService, rpcService },
            { DiffusionTags.RpcMethod, rpcMethod },
            { DiffusionTags.RpcGrpcStatusCode, grpcStatusCode },
        };
        _requests.Add(1, tags);
    }

    /// <summary>
    /// Registers a callback that reports device memory in use; it runs on the metrics collection
    /// thread at each export (so it must be quick and thread-safe). The Denoiser registers one that
    /// asks its device. Dispose the result to unregister.
    /// </summary>
    public IDisposable RegisterDeviceMemoryObserver(Func<IEnumerable<DeviceMemoryUsage>> observe)
    {
        ArgumentNullException.ThrowIfNull(observe);
        lock (_observersGate)
        {
            _deviceMemoryObservers = [.. _deviceMemoryObservers, observe];
        }

        return new Registration(this, observe);
    }

    private void Unregister(Func<IEnumerable<DeviceMemoryUsage>> observe)
    {
        lock (_observersGate)
        {
            _deviceMemoryObservers = _deviceMemoryObservers.Where(o => o != observe).ToArray();
        }
    }

    private IEnumerable<Measurement<long>> ObserveDeviceMemory()
    {
        // Copy-on-write array: the collection thread reads a stable snapshot without locking.
        var observers = Volatile.Read(ref _deviceMemoryObservers);
        var measurements = new List<Measurement<long>>();
        foreach (var observe in observers)
        {
            // An observer that throws fails this gauge's collection only: MeterListener isolates
            // instruments, and the OpenTelemetry SDK reports the exception on its EventSource.
            foreach (var usage in observe())
            {
                measurements.Add(new Measurement<long>(
                    usage.UsedBytes, new KeyValuePair<string, object?>(DiffusionTags.Device, usage.Device)));
            }
        }

        return measurements;
    }

    private sealed class Registration(DiffusionMetrics owner, Func<IEnumerable<DeviceMemoryUsage>> observe) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                owner.Unregister(observe);
            }
        }
    }
}

/// <summary>Memory in use on one device.</summary>
/// <param name="Device">The device name, e.g. <c>cuda:0</c>.</param>
/// <param name="UsedBytes">Bytes allocated on it.</param>
public readonly record struct DeviceMemoryUsage(string Device, long UsedBytes);
