using System.Runtime.InteropServices;

namespace Diffusion.Torch.Native;

/// <summary>P/Invoke declarations for libdiffusion_torch, one partial file per native header
/// (include/diffusion_torch/dt_*.h). Every function returns a status that <see cref="NativeStatus.Check"/>
/// turns into a <see cref="TorchException"/>.</summary>
internal static partial class NativeMethods
{
    /// <summary>The name every [LibraryImport] uses; <see cref="NativeLibraryLoader"/> maps it to the file.</summary>
    internal const string Library = "diffusion_torch";

    // An explicit static constructor runs before the first P/Invoke through this class, so the
    // resolver is in place before the runtime looks for the library.
    static NativeMethods() => NativeLibraryLoader.Register();
}
