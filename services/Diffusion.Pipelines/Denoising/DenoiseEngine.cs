using System.Collections.Concurrent;
using System.Diagnostics;
using Diffusion.Pipelines.Models;

namespace Diffusion.Pipelines.Denoising;

/// <summary>Runs denoising jobs on one UNet, batching compatible jobs step by step: a new job
/// joins the running batch at its next step, a finished one leaves; each keeps its own
/// scheduler and random stream. One dedicated thread drives the model.</summary>
public sealed class DenoiseEngine : IDisposable
{
    public static readonly ActivitySource ActivitySource = new("Diffusion.Denoiser");

    private readonly IUNetModel _unet;
    private readonly DenoiseEngineOptions _options;
    private readonly ConcurrentQueue<Entry> _pending = new();
    private readonly SemaphoreSlim _signal = new(0);
    private readonly List<Entry> _active = [];
    private readonly Thread _thread;
    private readonly CancellationTokenSource _stop = new();
    private int _pendingCount;
    private long _sequence;

    public DenoiseEngine(IUNetModel unet, DenoiseEngineOptions? options = null)
    {
        _unet = unet;
        _options = options ?? new DenoiseEngineOptions();
        _thread = new Thread(Run) { IsBackground = true, Name = "denoise-engine" };
        _thread.Start();
    }

    /// <summary>Requests waiting to start.</summary>
    public int QueueDepth => Volatile.Read(ref _pendingCount);
    /// <summary>Requests being denoised.</summary>
    public int ActiveJobs { get; private set; }
    /// <summary>Rows of the last forward pass.</summary>
    public int LastBatchRows { get; private set; }
    public DenoiseEngineOptions Options => _options;

    /// <summary>Queues a job. Events arrive on <paramref name="observer"/>; cancelling the token
    /// removes the job at its next step (OnFailed with OperationCanceledException).</summary>
    /// <exception cref="DenoiseQueueFullException">The queue is at capacity.</exception>
    public void Submit(DenoiseJob job, IDenoiseObserver observer, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_stop.IsCancellationRequested, this);
        if (Interlocked.Increment(ref _pendingCount) > _options.QueueCapacity)
        {
            Interlocked.Decrement(ref _pendingCount);
            throw new DenoiseQueueFullException(_options.QueueCapacity, _options.RetryAfter);
        }
        var entry = new Entry(job, observer, cancellationToken, Activity.Current?.Context ?? default,
            Stopwatch.GetTimestamp(), Interlocked.Increment(ref _sequence));
        entry.QueueSpan = ActivitySource.StartActivity("diffusion.denoise.queue_wait", ActivityKind.Internal, entry.Parent);
        _pending.Enqueue(entry);
        _signal.Release();
    }

    private void Run()
    {
        var token = _stop.Token;
        while (!token.IsCancellationRequested)
        {
            try
            {
                if (_active.Count == 0)
                    _signal.Wait(token);
                Admit();
                RemoveCancelled();
                var batch = FormBatch();
                if (batch.Count > 0)
                    RunStep(batch);
            }
            catch (OperationCanceledException) when (token.IsCancellationRequested)
            {
                break;
            }
        }
        var shutdown = new OperationCanceledException("the denoiser is shutting down");
        foreach (var e in _active) Fail(e, shutdown);
        _active.Clear();
        while (_pending.TryDequeue(out var e)) { Interlocked.Decrement(ref _pendingCount); Fail(e, shutdown); }
    }

    private void Admit()
    {
        while (_active.Count < _options.MaxActiveJobs && _pending.TryDequeue(out var e))
        {
            Interlocked.Decrement(ref _pendingCount);
            double queueMs = Stopwatch.GetElapsedTime(e.Enqueued).TotalMilliseconds;
            e.QueueSpan?.SetTag("diffusion.queue.ms", queueMs);
            e.QueueSpan?.Dispose();
            e.QueueSpan = null;
            if (e.Cancellation.IsCancellationRequested) { Fail(e, new OperationCanceledException("cancelled while queued")); continue; }
            try
            {
                var job = e.Job;
                float[] rows = job.ConditioningRows();
                e.Conditioning = _unet.Upload(rows, [job.Rows, job.Spec.SequenceLength, job.Spec.EmbeddingDim]);
                e.Started = Stopwatch.GetTimestamp();
                e.Observer.OnStarted(queueMs);
                _active.Add(e);
            }
            catch (Exception ex)
            {
                Fail(e, ex);
            }
        }
        ActiveJobs = _active.Count;
    }

    private void RemoveCancelled()
    {
        for (int i = _active.Count - 1; i >= 0; i--)
        {
            var e = _active[i];
            if (e.Cancellation.IsCancellationRequested)
            {
                _active.RemoveAt(i);
                Fail(e, new OperationCanceledException("cancelled"));
            }
        }
        ActiveJobs = _active.Count;
    }

    // Jobs are compatible when their rows can share one UNet call: same latent size, input channels
    // and sequence length. Guidance on/off mixes fine (rows are rows), but we keep it in the key so a
    // batch's cost is predictable, as the issue asks.
    private static (int, int, int, int, bool) Key(DenoiseJob j) =>
        (j.Spec.LatentHeight, j.Spec.LatentWidth, j.UNetInChannels, j.Spec.SequenceLength, j.Spec.DoClassifierFreeGuidance);

    private List<Entry> FormBatch()
    {
        var batch = new List<Entry>();
        if (_active.Count == 0) return batch;
        // Round-robin between incompatible groups: serve the job that waited longest since its last step.
        var first = _active.MinBy(e => (e.LastStep, e.Sequence))!;
        var key = Key(first.Job);
        int rows = 0;
        foreach (var e in _active.OrderBy(e => (e.LastStep, e.Sequence)))
        {
            if (Key(e.Job) != key) continue;
            if (batch.Count > 0 && rows + e.Job.Rows > _options.MaxBatchRows) continue;
            batch.Add(e);
            rows += e.Job.Rows;
        }
        return batch;
    }

    private void RunStep(List<Entry> batch)
    {
        var j0 = batch[0].Job;
        int h = j0.Spec.LatentHeight, w = j0.Spec.LatentWidth, cin = j0.UNetInChannels;
        int rows = batch.Sum(e => e.Job.Rows);
        int inRow = cin * h * w;
        int outChannels = _unet.Info.OutChannels;
        int outRow = outChannels * h * w;
        var spans = new Activity?[batch.Count];
        var input = new float[rows * inRow];
        var timesteps = new float[rows];
        var conditioning = new List<IConditioning>(batch.Count);
        long t0 = Stopwatch.GetTimestamp();
        int r = 0;
        for (int i = 0; i < batch.Count; i++)
        {
            var e = batch[i];
            spans[i] = ActivitySource.StartActivity("diffusion.denoise.step", ActivityKind.Internal, e.Parent);
            e.Job.PrepareInput(input.AsSpan(r * inRow, e.Job.Rows * inRow));
            timesteps.AsSpan(r, e.Job.Rows).Fill((float)e.Job.CurrentTimestep);
            conditioning.Add(e.Conditioning!);
            r += e.Job.Rows;
        }
        var output = new float[rows * outRow];
        try
        {
            _unet.Predict(input, [rows, cin, h, w], timesteps, conditioning, output);
        }
        catch (Exception ex)
        {
            for (int i = 0; i < batch.Count; i++)
            {
                spans[i]?.SetStatus(ActivityStatusCode.Error, ex.Message);
                spans[i]?.Dispose();
                _active.Remove(batch[i]);
                Fail(batch[i], ex);
            }
            ActiveJobs = _active.Count;
            return;
        }
        double unetMs = Stopwatch.GetElapsedTime(t0).TotalMilliseconds;
        LastBatchRows = rows;

        r = 0;
        for (int i = 0; i < batch.Count; i++)
        {
            var e = batch[i];
            var job = e.Job;
            double timestep = job.CurrentTimestep;
            double? sigma = job.CurrentSigma;
            long s0 = Stopwatch.GetTimestamp();
            try
            {
                job.CompleteStep(output.AsSpan(r * outRow, job.Rows * outRow));
            }
            catch (Exception ex)
            {
                spans[i]?.SetStatus(ActivityStatusCode.Error, ex.Message);
                spans[i]?.Dispose();
                _active.Remove(e);
                Fail(e, ex);
                r += job.Rows;
                continue;
            }
            double schedulerMs = Stopwatch.GetElapsedTime(s0).TotalMilliseconds;
            r += job.Rows;
            e.LastStep = Interlocked.Increment(ref _sequence);
            var info = new StepInfo(job.StepIndex, job.TotalSteps, timestep, sigma, rows, batch.Count, unetMs, schedulerMs,
                Stopwatch.GetElapsedTime(e.Started).TotalMilliseconds);
            if (spans[i] is { } span)
            {
                span.SetTag("diffusion.step.index", job.StepIndex - 1);
                span.SetTag("diffusion.step.timestep", timestep);
                if (sigma is double sg) span.SetTag("diffusion.step.sigma", sg);
                span.SetTag("diffusion.batch.size", rows);
                span.SetTag("diffusion.batch.requests", batch.Count);
                span.SetTag("diffusion.guidance_scale", (double)job.Spec.GuidanceScale);
                span.SetTag("diffusion.scheduler", job.SchedulerName);
                span.SetTag("diffusion.unet.ms", unetMs);
                span.SetTag("diffusion.scheduler.ms", schedulerMs);
                span.Dispose();
            }
            try { e.Observer.OnStep(job, info); } catch { /* an observer must not stop the engine */ }
            if (job.IsDone)
            {
                _active.Remove(e);
                e.Conditioning?.Dispose();
                try { e.Observer.OnCompleted(job); } catch { /* see above */ }
            }
        }
        ActiveJobs = _active.Count;
    }

    private static void Fail(Entry e, Exception error)
    {
        e.QueueSpan?.Dispose();
        e.Conditioning?.Dispose();
        try { e.Observer.OnFailed(e.Job, error); } catch { /* an observer must not stop the engine */ }
    }

    public void Dispose()
    {
        if (_stop.IsCancellationRequested) return;
        _stop.Cancel();
        _thread.Join();
        _stop.Dispose();
        _signal.Dispose();
    }

    private sealed class Entry(DenoiseJob job, IDenoiseObserver observer, CancellationToken cancellation,
        ActivityContext parent, long enqueued, long sequence)
    {
        public DenoiseJob Job { get; } = job;
        public IDenoiseObserver Observer { get; } = observer;
        public CancellationToken Cancellation { get; } = cancellation;
        public ActivityContext Parent { get; } = parent;
        public long Enqueued { get; } = enqueued;
        public long Sequence { get; } = sequence;
        public long Started { get; set; }
        public long LastStep { get; set; }
        public IConditioning? Conditioning { get; set; }
        public Activity? QueueSpan { get; set; }
    }
}
