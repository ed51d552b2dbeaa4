using Diffusion.Pipelines.Denoising;
using Diffusion.Pipelines.Models;
using Diffusion.Schedulers;

namespace Diffusion.Services.Tests;

/// <summary>A reproducible seeded normal stream (Box-Muller over splitmix64): the services only
/// need a stream that is the same for the same seed, not torch's numbers.</summary>
internal sealed class SeededNoiseFactory : INoiseSourceFactory
{
    public INoiseSource Create(long seed) => new Source(unchecked((ulong)seed));

    private sealed class Source(ulong state) : INoiseSource
    {
        private ulong _state = state;

        public void Randn(Span<float> destination, ReadOnlySpan<long> shape)
        {
            for (int i = 0; i < destination.Length; i++)
                destination[i] = (float)(Math.Sqrt(-2 * Math.Log(Uniform())) * Math.Cos(2 * Math.PI * Uniform()));
        }

        private double Uniform()
        {
            ulong z = _state += 0x9E3779B97F4A7C15UL;
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
            z ^= z >> 31;
            return ((z >> 11) + 0.5) / (1UL << 53);
        }
    }
}

internal sealed class ArrayConditioning(float[] values, int rows, int sequenceLength) : IConditioning
{
    public float[] Values { get; } = values;
    public int Rows { get; } = rows;
    public int SequenceLength { get; } = sequenceLength;
    public void Dispose() { }
}

/// <summary>
/// A stand-in UNet whose rows are independent, as the real one's are:
/// out = 0.9 x + 0.1 sin(t / 100) + 0.2 mean(cond row) + 0.05 cond row[0] (so guidance matters).
/// <see cref="Hold"/> blocks forward passes (to fill the queue); <see cref="Entered"/> is set while one waits.
/// </summary>
internal sealed class StandInUNet(int inChannels = 4, int outChannels = 4, int crossAttentionDim = 8) : IUNetModel
{
    private readonly Lock _gate = new();
    private readonly List<int> _batchRows = [];

    public UNetInfo Info { get; } = new("stand-in-unet", inChannels, outChannels, 8, crossAttentionDim, "cpu", "f32");

    /// <summary>Open = forward passes run; reset it to hold them.</summary>
    public ManualResetEventSlim Hold { get; } = new(true);
    public ManualResetEventSlim Entered { get; } = new(false);
    public int DelayMs { get; set; }
    public int Calls { get; private set; }
    /// <summary>When set, forward passes throw what it returns (after the warm-up).</summary>
    public Func<Exception>? Failure { get; set; }

    public IReadOnlyList<int> BatchRows { get { lock (_gate) return [.. _batchRows]; } }

    public IConditioning Upload(ReadOnlySpan<float> embeddings, long[] shape) =>
        new ArrayConditioning(embeddings.ToArray(), (int)shape[0], (int)shape[1]);

    public void Predict(ReadOnlySpan<float> sample, long[] sampleShape, ReadOnlySpan<float> timesteps,
        IReadOnlyList<IConditioning> conditioning, Span<float> output)
    {
        Entered.Set();
        Hold.Wait(TimeSpan.FromSeconds(30));
        if (DelayMs > 0) Thread.Sleep(DelayMs);
        if (Failure is { } fail) throw fail();
        int rows = (int)sampleShape[0];
        int hw = (int)(sampleShape[2] * sampleShape[3]);
        lock (_gate)
        {
            Calls++;
            _batchRows.Add(rows);
        }
        var rowMean = new List<float>();
        var rowFirst = new List<float>();
        foreach (var c in conditioning.Cast<ArrayConditioning>())
        {
            int per = c.Values.Length / c.Rows;
            for (int r = 0; r < c.Rows; r++)
            {
                var row = c.Values.AsSpan(r * per, per);
                float sum = 0;
                foreach (var v in row) sum += v;
                rowMean.Add(sum / per);
                rowFirst.Add(row[0]);
            }
        }
        if (rowMean.Count != rows)
            throw new InvalidOperationException($"{rowMean.Count} conditioning rows for {rows} sample rows");
        for (int r = 0; r < rows; r++)
        {
            float bias = 0.1f * MathF.Sin(timesteps[r] / 100f) + 0.2f * rowMean[r] + 0.05f * rowFirst[r];
            for (int c = 0; c < outChannels; c++)
            {
                for (int i = 0; i < hw; i++)
                    output[(r * outChannels + c) * hw + i] = 0.9f * sample[(r * inChannels + c) * hw + i] + bias;
            }
        }
    }
}
