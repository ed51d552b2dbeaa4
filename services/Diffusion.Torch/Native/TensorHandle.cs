using System.Runtime.InteropServices;

namespace Diffusion.Torch.Native;

/// <summary>Owns one dt_tensor handle; releasing it calls dt_tensor_free. The critical finalizer is
/// only a safety net: tensors are released deterministically by <see cref="Tensor.Dispose"/> or a
/// <see cref="TensorScope"/>.</summary>
internal sealed class TensorHandle : SafeHandle
{
    /// <summary>A non-owning zero handle for optional tensor arguments (no bias, no mask).</summary>
    internal static readonly TensorHandle Null = new(0, ownsHandle: false);

    public TensorHandle() : base(0, ownsHandle: true) { }

    internal TensorHandle(nint handle, bool ownsHandle) : base(0, ownsHandle) => SetHandle(handle);

    public override bool IsInvalid => handle == 0;

    protected override bool ReleaseHandle()
    {
        NativeMethods.dt_tensor_free(handle);
        return true;
    }
}

/// <summary>Owns one dt_generator handle.</summary>
internal sealed class GeneratorHandle : SafeHandle
{
    public GeneratorHandle() : base(0, ownsHandle: true) { }

    public override bool IsInvalid => handle == 0;

    protected override bool ReleaseHandle()
    {
        NativeMethods.dt_generator_free(handle);
        return true;
    }
}
