using System.Runtime.InteropServices;

namespace Diffusion.Torch.Native;

// dt_random.h
internal static unsafe partial class NativeMethods
{
    [LibraryImport(Library)] internal static partial int dt_generator_new(ulong seed, out GeneratorHandle result);
    [LibraryImport(Library)] internal static partial void dt_generator_free(nint generator);
    [LibraryImport(Library)] internal static partial int dt_generator_seed(GeneratorHandle g, out ulong seed);
    [LibraryImport(Library)] internal static partial int dt_generator_manual_seed(GeneratorHandle g, ulong seed);
    [LibraryImport(Library)] internal static partial int dt_generator_randn(GeneratorHandle g, long* shape, int ndim, int dtype, out TensorHandle result);
    [LibraryImport(Library)] internal static partial int dt_generator_rand(GeneratorHandle g, long* shape, int ndim, int dtype, out TensorHandle result);
    [LibraryImport(Library)] internal static partial int dt_generator_normal_(GeneratorHandle g, TensorHandle t, double mean, double std);
    [LibraryImport(Library)] internal static partial int dt_generator_uniform_(GeneratorHandle g, TensorHandle t, double from, double to);
}
