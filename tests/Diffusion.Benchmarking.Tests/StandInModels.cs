using Diffusion.Benchmarking.Runners;
using Diffusion.Pipelines.Denoising;
using Diffusion.Pipelines.Models;
using Diffusion.Schedulers;

namespace Diffusion.Benchmarking.Tests;

/// <summary>Cheap deterministic models that exercise the harness (timing, reports, command wiring) without an engine.</summary>
internal sealed class StandInProvider : IBenchModelProvider
{
    public List<string> Loaded { get; } = [];

    public IUNetModel LoadUNet(ModelSource source)
    {
        Loaded.Add("unet:" + source.DType);
        return new StandInUNet();
    }

    public IUNetForward LoadUNetForward(ModelSource source, int rows, int latentSize)
    {
        Loaded.Add("unet-forward:" + source.DType);
        return new StandInForward(rows, latentSize);
    }

    public ITextEncoderModel LoadTextEncoder(ModelSource source)
    {
        Loaded.Add("text_encoder:" + source.DType);
        return new StandInTextEncoder();
    }

    public IVaeModel LoadVae(ModelSource source)
    {
        Loaded.Add("vae:" + source.DType);
        return new StandInVae(source.DType == "f32" ? 0f : 0.001f);
    }

    public SchedulerConfig LoadSchedulerConfig(ModelSource source) => SchedulerConfig.Parse(ModelConfigs.Read("tiny", "scheduler"));

    public INoiseSourceFactory NoiseSources { get; } = new SeededNoise();

    public int Threads { get; private set; } = 1;

    public void SetThreads(int threads)
    {
        if (threads > 0)
            Threads = threads;
    }

    public EngineInfo DescribeEngine(ModelSource source) => new(Threads, "0.0.0", "stand-in engine", null);
}

internal sealed class StandInUNet : IUNetModel
{
    public UNetInfo Info { get; } = new("stand-in", 4, 4, 8, 32, "cpu", "f32");

    public IConditioning Upload(ReadOnlySpan<float> embeddings, long[] shape) => new Conditioning((int)shape[0], (int)shape[1]);

    public void Predict(ReadOnlySpan<float> sample, long[] sampleShape, ReadOnlySpan<float> timesteps, IReadOnlyList<IConditioning> conditioning,
        Span<float> output)
    {
        if (conditioning.Sum(c => c.Rows) != sampleShape[0])
            throw new ArgumentException("conditioning rows do not match the sample");
        for (int i = 0; i < sample.Length; i++)
            output[i] = 0.1f * sample[i];
    }

    private sealed class Conditioning(int rows, int length) : IConditioning
    {
        public int Rows => rows;

        public int SequenceLength => length;

        public void Dispose()
        {
        }
    }
}

internal sealed class StandInTextEncoder : ITextEncoderModel
{
    public TextEncoderInfo Info { get; } = new("stand-in", 32, 77, 49408, 1);

    public TextEncoding Encode(IReadOnlyList<string> prompts, int clipSkip, bool chunkLongPrompts, CancellationToken cancellationToken = default)
    {
        int b = prompts.Count;
        var hidden = new float[b * 77 * 32];
        for (int i = 0; i < hidden.Length; i++)
            hidden[i] = (i % 7) * 0.1f;
        return new TextEncoding(hidden, [b, 77, 32], new float[b * 32], [b, 32], new int[b], new bool[b]);
    }
}

internal sealed class StandInVae(float offset) : IVaeModel
{
    public VaeInfo Info { get; } = new("stand-in", 0.18215, 4, 8, "cpu", "f32");

    public float[] Decode(ReadOnlySpan<float> latents, long[] shape, bool tiled, CancellationToken cancellationToken = default)
    {
        int n = (int)shape[0], h = (int)shape[2] * 8, w = (int)shape[3] * 8;
        var image = new float[n * 3 * h * w];
        for (int i = 0; i < image.Length; i++)
            image[i] = MathF.Tanh(latents[i % latents.Length]) + offset;
        return image;
    }

    public (float[] Mean, float[] LogVar, long[] Shape) Encode(ReadOnlySpan<float> images, long[] shape, bool tiled,
        CancellationToken cancellationToken = default) => throw new NotSupportedException("txt2img only");
}

internal sealed class SeededNoise : INoiseSourceFactory
{
    public INoiseSource Create(long seed) => new Source(new Random((int)seed));

    private sealed class Source(Random random) : INoiseSource
    {
        public void Randn(Span<float> destination, ReadOnlySpan<long> shape)
        {
            for (int i = 0; i < destination.Length; i++)
                destination[i] = (float)(random.NextDouble() * 2 - 1);
        }
    }
}

internal sealed class StandInForward(int rows, int latentSize) : IUNetForward
{
    private readonly StandInUNet _unet = new();
    private readonly float[] _sample = Enumerable.Range(0, rows * 4 * latentSize * latentSize).Select(i => (float)Math.Sin(i)).ToArray();

    public UNetInfo Info => _unet.Info;

    public long ParameterCount => 42;

    public int Rows => rows;

    public double Run()
    {
        var output = new float[_sample.Length];
        using var c = _unet.Upload(new float[rows * 77 * 32], [rows, 77, 32]);
        _unet.Predict(_sample, [rows, 4, latentSize, latentSize], new float[rows], [c], output);
        return output.Max(MathF.Abs);
    }

    public void Dispose()
    {
    }
}
