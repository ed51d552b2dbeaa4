using Diffusion.Torch.Native;

namespace Diffusion.Torch;

/// <summary>A seeded libtorch CPU generator (mt19937), bit-identical to
/// <c>torch.Generator("cpu").manual_seed(seed)</c>: successive draws continue the same stream, so
/// <c>g.Randn(s1); g.Randn(s2)</c> equals <c>torch.randn(s1, generator=g); torch.randn(s2, generator=g)</c>.
/// Draws happen on the CPU and are then moved to the requested device, like diffusers' randn_tensor
/// with a CPU generator.</summary>
public sealed class Generator : IDisposable
{
    private readonly GeneratorHandle _handle;

    /// <summary>Creates a generator seeded with <paramref name="seed"/> (torch's manual_seed).</summary>
    public Generator(ulong seed)
    {
        NativeStatus.Check(NativeMethods.dt_generator_new(seed, out var handle));
        _handle = handle;
    }

    private GeneratorHandle Handle =>
        _handle.IsClosed ? throw new ObjectDisposedException(nameof(Generator)) : _handle;

    /// <summary>The seed last set (initial_seed).</summary>
    public ulong Seed
    {
        get
        {
            NativeStatus.Check(NativeMethods.dt_generator_seed(Handle, out ulong seed));
            return seed;
        }
    }

    /// <summary>Restarts the stream from <paramref name="seed"/>.</summary>
    public void ManualSeed(ulong seed) => NativeStatus.Check(NativeMethods.dt_generator_manual_seed(Handle, seed));

    /// <summary>Standard normal samples: torch.randn(shape, generator=g, dtype=dtype) on the CPU, then
    /// moved to <paramref name="device"/>.</summary>
    public unsafe Tensor Randn(long[] shape, ScalarType dtype = ScalarType.Float32, Device? device = null)
    {
        ArgumentNullException.ThrowIfNull(shape);
        Tensor cpu;
        fixed (long* s = shape)
            cpu = Tensor.Wrap(NativeMethods.dt_generator_randn(Handle, s, shape.Length, (int)dtype, out var r), r);
        return MoveTo(cpu, device);
    }

    /// <summary>Uniform samples in [0, 1): torch.rand(shape, generator=g, dtype=dtype) on the CPU, then moved.</summary>
    public unsafe Tensor Rand(long[] shape, ScalarType dtype = ScalarType.Float32, Device? device = null)
    {
        ArgumentNullException.ThrowIfNull(shape);
        Tensor cpu;
        fixed (long* s = shape)
            cpu = Tensor.Wrap(NativeMethods.dt_generator_rand(Handle, s, shape.Length, (int)dtype, out var r), r);
        return MoveTo(cpu, device);
    }

    /// <summary>Fills a CPU tensor with N(mean, std²) samples in place (tensor.normal_(mean, std, generator=g)).</summary>
    public void NormalInPlace(Tensor tensor, double mean = 0, double std = 1) =>
        NativeStatus.Check(NativeMethods.dt_generator_normal_(Handle, Tensor.Arg(tensor), mean, std));

    /// <summary>Fills a CPU tensor with U[from, to) samples in place (tensor.uniform_(from, to, generator=g)).</summary>
    public void UniformInPlace(Tensor tensor, double from = 0, double to = 1) =>
        NativeStatus.Check(NativeMethods.dt_generator_uniform_(Handle, Tensor.Arg(tensor), from, to));

    private static Tensor MoveTo(Tensor cpu, Device? device)
    {
        if (device is null || device.Value.IsCpu) return cpu;
        var moved = cpu.To(device.Value);
        // The CPU draw is an intermediate whether or not a scope is active.
        cpu.DetachFromScope().Dispose();
        return moved;
    }

    /// <summary>Frees the native generator.</summary>
    public void Dispose() => _handle.Dispose();
}
