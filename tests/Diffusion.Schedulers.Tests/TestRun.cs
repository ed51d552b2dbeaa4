namespace Diffusion.Schedulers.Tests;

/// <summary>A deterministic stand-in for the UNet and the generator, for tests that compare runs of
/// this implementation with each other (not with diffusers).</summary>
internal static class TestRun
{
    public static readonly long[] Shape = [2, 4, 3, 3];

    public static int Length => (int)(Shape[0] * Shape[1] * Shape[2] * Shape[3]);

    /// <summary>Smooth pseudo-random values in about [-2, 2], fixed by <paramref name="seed"/>.</summary>
    public static float[] Tensor(int seed)
    {
        var x = new float[Length];
        for (int i = 0; i < x.Length; i++) x[i] = (float)(1.7 * Math.Sin(seed * 7.31 + i * 1.618) + 0.3 * Math.Cos(i * 0.37 + seed));
        return x;
    }

    /// <summary>The reference harness's model: <c>0.9 * model_input + C * (0.1 * t / 1000 + 0.05)</c>.</summary>
    public static float[] Model(ReadOnlySpan<float> modelInput, double t)
    {
        var c = Tensor(99);
        float s = (float)(0.1 * t / 1000.0 + 0.05);
        var y = new float[modelInput.Length];
        for (int i = 0; i < y.Length; i++) y[i] = 0.9f * modelInput[i] + c[i] * s;
        return y;
    }

    /// <summary>One denoising step the way a pipeline drives a scheduler.</summary>
    public static float[] Step(IScheduler scheduler, float[] sample, double t, INoiseSource noise, StepOptions? options = null)
    {
        var input = new float[sample.Length];
        scheduler.ScaleModelInput(sample, t, input);
        var prev = new float[sample.Length];
        scheduler.Step(Model(input, t), t, sample, prev, Shape, noise, options);
        return prev;
    }

    /// <summary>Initial latents: <c>randn * init_noise_sigma</c> in float32.</summary>
    public static float[] Start(IScheduler scheduler)
    {
        float sigma = (float)scheduler.InitNoiseSigma;
        return Tensor(1).Select(v => v * sigma).ToArray();
    }
}

/// <summary>A counter-based noise stream: draw k is a fixed function of k, so a run can be resumed at
/// any draw count.</summary>
internal sealed class CountingNoise(int start = 0) : INoiseSource
{
    public int Draws { get; private set; } = start;

    public void Randn(Span<float> destination, ReadOnlySpan<long> shape)
    {
        var values = TestRun.Tensor(1000 + Draws++);
        Assert.Equal(values.Length, destination.Length);
        values.CopyTo(destination);
    }
}
