using Diffusion.Pipelines.Denoising;
using Diffusion.Pipelines.Models;
using Diffusion.Schedulers;

namespace Diffusion.Pipelines.Tests;

/// <summary>Replays a recorded sequence of torch.randn draws in call order.</summary>
internal sealed class RecordedNoise(IReadOnlyList<float[]> draws) : INoiseSource
{
    private int _next;
    public int Used => _next;

    public void Randn(Span<float> destination, ReadOnlySpan<long> shape)
    {
        if (_next >= draws.Count) throw new InvalidOperationException($"draw {_next} was not recorded");
        var d = draws[_next++];
        if (d.Length != destination.Length) throw new InvalidOperationException($"draw {_next - 1} has {d.Length} values, asked for {destination.Length}");
        d.CopyTo(destination);
    }
}

internal sealed class RecordedNoiseFactory(IReadOnlyList<float[]> draws) : INoiseSourceFactory
{
    public RecordedNoise? Last { get; private set; }
    public INoiseSource Create(long seed) => Last = new RecordedNoise(draws);
}

/// <summary>A deterministic seeded normal stream (Box-Muller over a splitmix64), for tests that only
/// need reproducibility, not torch's exact numbers.</summary>
internal sealed class SeededNoiseFactory : INoiseSourceFactory
{
    public INoiseSource Create(long seed) => new Source((ulong)seed);

    private sealed class Source(ulong state) : INoiseSource
    {
        private ulong _state = state;

        private double Uniform()
        {
            ulong z = _state += 0x9E3779B97F4A7C15UL;
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
            z ^= z >> 31;
            return ((z >> 11) + 0.5) / (1UL << 53);
        }

        public void Randn(Span<float> destination, ReadOnlySpan<long> shape)
        {
            for (int i = 0; i < destination.Length; i++)
                destination[i] = (float)(Math.Sqrt(-2 * Math.Log(Uniform())) * Math.Cos(2 * Math.PI * Uniform()));
        }
    }
}

internal sealed class ArrayConditioning(float[] values, int rows, int sequenceLength) : IConditioning
{
    public float[] Values { get; } = values;
    public int Rows { get; } = rows;
    public int SequenceLength { get; } = sequenceLength;
    public bool Disposed { get; private set; }
    public void Dispose() => Disposed = true;
}

/// <summary>A stand-in UNet whose output depends on each row's input, timestep and conditioning
/// only (never on other rows), like the real one: out = 0.9 x + 0.05 t/1000 + 0.1 mean(cond row).</summary>
internal sealed class MathUNet(int inChannels = 4, int outChannels = 4) : IUNetModel
{
    public int Calls;
    public readonly List<int> BatchRows = [];
    public Func<int, Exception?>? FailOnCall { get; set; }
    public int DelayMs { get; set; }

    public UNetInfo Info { get; } = new("math", inChannels, outChannels, 8, 8, "cpu", "f32");

    public IConditioning Upload(ReadOnlySpan<float> embeddings, long[] shape) =>
        new ArrayConditioning(embeddings.ToArray(), (int)shape[0], (int)shape[1]);

    public void Predict(ReadOnlySpan<float> sample, long[] sampleShape, ReadOnlySpan<float> timesteps,
        IReadOnlyList<IConditioning> conditioning, Span<float> output)
    {
        int call = Interlocked.Increment(ref Calls);
        if (FailOnCall?.Invoke(call) is { } ex) throw ex;
        if (DelayMs > 0) Thread.Sleep(DelayMs);
        int rows = (int)sampleShape[0], hw = (int)(sampleShape[2] * sampleShape[3]);
        lock (BatchRows) BatchRows.Add(rows);
        var condMeans = new List<float>();
        foreach (var c in conditioning.Cast<ArrayConditioning>())
        {
            int per = c.Values.Length / c.Rows;
            for (int r = 0; r < c.Rows; r++) condMeans.Add(c.Values.AsSpan(r * per, per).ToArray().Average());
        }
        if (condMeans.Count != rows) throw new InvalidOperationException($"{condMeans.Count} conditioning rows for {rows} sample rows");
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < outChannels; c++)
                for (int i = 0; i < hw; i++)
                    output[(r * outChannels + c) * hw + i] =
                        0.9f * sample[(r * inChannels + c) * hw + i] + 0.05f * timesteps[r] / 1000f + 0.1f * condMeans[r];
    }
}

/// <summary>Collects a job's events.</summary>
internal sealed class Collector : IDenoiseObserver
{
    private readonly TaskCompletionSource<DenoiseJob> _done = new(TaskCreationOptions.RunContinuationsAsynchronously);
    public readonly List<StepInfo> Steps = [];
    public readonly List<DenoiseCheckpoint> Checkpoints = [];
    public bool TakeCheckpoints { get; init; }
    public Task<DenoiseJob> Completion => _done.Task;

    public void OnStep(DenoiseJob job, StepInfo step)
    {
        Steps.Add(step);
        if (TakeCheckpoints) Checkpoints.Add(job.Checkpoint());
    }

    public void OnCompleted(DenoiseJob job) => _done.TrySetResult(job);
    public void OnFailed(DenoiseJob job, Exception error) => _done.TrySetException(error);
}
