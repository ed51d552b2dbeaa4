using System.Runtime.InteropServices;

namespace Diffusion.Torch.Native;

// dt_errors.h
internal static unsafe partial class NativeMethods
{
    [LibraryImport(Library)]
    internal static partial long dt_last_error(byte* buffer, long length);
}
