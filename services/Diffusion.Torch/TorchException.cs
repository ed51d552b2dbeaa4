namespace Diffusion.Torch;

/// <summary>Which kind of native failure a <see cref="TorchException"/> reports (dt_common.h codes).</summary>
public enum TorchErrorKind
{
    /// <summary>libtorch raised c10::Error (shape mismatch, unsupported dtype, device mismatch...).</summary>
    Torch = 1,
    /// <summary>An allocation failed (host or device memory).</summary>
    OutOfMemory = 2,
    /// <summary>The shim rejected an argument before calling libtorch.</summary>
    InvalidArgument = 3,
    /// <summary>Another C++ standard exception.</summary>
    StdException = 4,
    /// <summary>Anything else thrown in native code.</summary>
    Unknown = 5,
}

/// <summary>A libtorch operation failed. <see cref="Exception.Message"/> is libtorch's own message
/// (its first lines, without the C++ backtrace).</summary>
public class TorchException : Exception
{
    /// <summary>Creates an exception for a native failure of the given kind.</summary>
    public TorchException(string message, TorchErrorKind kind) : base(message) => Kind = kind;

    /// <summary>Creates an exception for a libtorch error.</summary>
    public TorchException(string message) : this(message, TorchErrorKind.Torch) { }

    /// <summary>Creates an exception wrapping another one.</summary>
    public TorchException(string message, Exception inner) : base(message, inner) => Kind = TorchErrorKind.Torch;

    /// <summary>The native status that produced this exception.</summary>
    public TorchErrorKind Kind { get; }
}

/// <summary>libtorch ran out of host or device memory. Services report it as RESOURCE_EXHAUSTED.</summary>
public sealed class TorchOutOfMemoryException : TorchException
{
    /// <summary>Creates the exception with libtorch's allocator message.</summary>
    public TorchOutOfMemoryException(string message) : base(message, TorchErrorKind.OutOfMemory) { }
}
