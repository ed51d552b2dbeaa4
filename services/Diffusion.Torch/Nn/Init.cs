namespace Diffusion.Torch.Nn;

/// <summary>Seeded random initialization, for tiny random models in tests and full-size random-weight
/// benchmarks. Draws come from a libtorch CPU <see cref="Generator"/> (reproducible with PyTorch) and are
/// copied to the tensor's device and dtype.</summary>
public static class Init
{
    /// <summary>Fills <paramref name="tensor"/> (any device/dtype) with N(mean, std²).</summary>
    public static void Normal(Tensor tensor, Generator generator, double mean = 0, double std = 1) =>
        Fill(tensor, generator, (g, t) => g.NormalInPlace(t, mean, std));

    /// <summary>Fills <paramref name="tensor"/> (any device/dtype) with U[from, to).</summary>
    public static void Uniform(Tensor tensor, Generator generator, double from = 0, double to = 1) =>
        Fill(tensor, generator, (g, t) => g.UniformInPlace(t, from, to));

    /// <summary>Re-initializes every parameter of <paramref name="module"/> so that no parameter is
    /// trivial (the scheme of the shared golden models): tensors with 2+ dims ~ N(0, 1/fan_in) where
    /// fan_in = numel / shape[0]; 1-D weights (norm scales) ~ 1 + 0.1 N(0, 1); biases and other
    /// 1-D tensors ~ 0.05 N(0, 1). Parameters are visited in <see cref="Module.NamedParameters"/> order.</summary>
    public static void RandomizeParameters(Module module, Generator generator)
    {
        ArgumentNullException.ThrowIfNull(module);
        foreach (var (name, tensor) in module.NamedParameters())
        {
            var shape = tensor.Shape;
            if (shape.Length >= 2)
            {
                long fanIn = tensor.NumEl / Math.Max(1, shape[0]);
                Normal(tensor, generator, 0, 1 / Math.Sqrt(Math.Max(1, fanIn)));
            }
            else if (name.EndsWith("weight", StringComparison.Ordinal))
            {
                Normal(tensor, generator, 1, 0.1);
            }
            else
            {
                Normal(tensor, generator, 0, 0.05);
            }
        }
    }

    private static void Fill(Tensor tensor, Generator generator, Action<Generator, Tensor> draw)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        ArgumentNullException.ThrowIfNull(generator);
        if (tensor.Device.IsCpu && tensor.Dtype == ScalarType.Float32)
        {
            draw(generator, tensor);
            return;
        }
        // Draw in float32 on the CPU (the stream PyTorch would produce for float32), then convert.
        using var staging = Tensor.Empty(tensor.Shape, ScalarType.Float32).DetachFromScope();
        draw(generator, staging);
        tensor.CopyFrom(staging);
    }
}
