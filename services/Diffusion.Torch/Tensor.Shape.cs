using Diffusion.Torch.Native;

namespace Diffusion.Torch;

// Shape and indexing. Views share storage with this tensor.
public sealed partial class Tensor
{
    /// <summary>The same elements in a new shape (-1 inferred); a view when possible, else a copy.</summary>
    public unsafe Tensor Reshape(params long[] shape)
    {
        ArgumentNullException.ThrowIfNull(shape);
        fixed (long* s = shape)
            return Wrap(NativeMethods.dt_tensor_reshape(Handle, s, shape.Length, out var r), r);
    }

    /// <summary>A view with a new shape (-1 inferred); fails when the strides do not allow it.</summary>
    public unsafe Tensor View(params long[] shape)
    {
        ArgumentNullException.ThrowIfNull(shape);
        fixed (long* s = shape)
            return Wrap(NativeMethods.dt_tensor_view(Handle, s, shape.Length, out var r), r);
    }

    /// <summary>A view with the dimensions reordered.</summary>
    public unsafe Tensor Permute(params long[] dims)
    {
        ArgumentNullException.ThrowIfNull(dims);
        fixed (long* d = dims)
            return Wrap(NativeMethods.dt_tensor_permute(Handle, d, dims.Length, out var r), r);
    }

    /// <summary>A view with two dimensions swapped.</summary>
    public Tensor Transpose(long dim0, long dim1) => Wrap(NativeMethods.dt_tensor_transpose(Handle, dim0, dim1, out var r), r);

    /// <summary>A view of <paramref name="length"/> entries of <paramref name="dim"/> from <paramref name="start"/>.</summary>
    public Tensor Narrow(long dim, long start, long length) => Wrap(NativeMethods.dt_tensor_narrow(Handle, dim, start, length, out var r), r);

    /// <summary>A view of [start, end) with <paramref name="step"/> along <paramref name="dim"/> (Python slicing; end clamped).</summary>
    public Tensor Slice(long dim, long start, long end, long step = 1) => Wrap(NativeMethods.dt_tensor_slice(Handle, dim, start, end, step, out var r), r);

    /// <summary>A view of entry <paramref name="index"/> of <paramref name="dim"/>, which is removed.</summary>
    public Tensor Select(long dim, long index) => Wrap(NativeMethods.dt_tensor_select(Handle, dim, index, out var r), r);

    /// <summary>The entries of <paramref name="dim"/> listed by the Int64/Int32 <paramref name="index"/> (a copy).</summary>
    public Tensor IndexSelect(long dim, Tensor index) => Wrap(NativeMethods.dt_tensor_index_select(Handle, dim, Arg(index), out var r), r);

    /// <summary>A view with a size-1 dimension inserted at <paramref name="dim"/>.</summary>
    public Tensor Unsqueeze(long dim) => Wrap(NativeMethods.dt_tensor_unsqueeze(Handle, dim, out var r), r);

    /// <summary>A view without dimension <paramref name="dim"/> when its size is 1 (unchanged otherwise).</summary>
    public Tensor Squeeze(long dim) => Wrap(NativeMethods.dt_tensor_squeeze(Handle, dim, out var r), r);

    /// <summary>Merges dimensions <paramref name="startDim"/>..<paramref name="endDim"/> into one.</summary>
    public Tensor Flatten(long startDim = 0, long endDim = -1) => Wrap(NativeMethods.dt_tensor_flatten(Handle, startDim, endDim, out var r), r);

    /// <summary>A broadcast view with the given sizes (-1 keeps a size).</summary>
    public unsafe Tensor Expand(params long[] shape)
    {
        ArgumentNullException.ThrowIfNull(shape);
        fixed (long* s = shape)
            return Wrap(NativeMethods.dt_tensor_expand(Handle, s, shape.Length, out var r), r);
    }

    /// <summary>Tiles the tensor repeats[i] times along each dimension (torch.Tensor.repeat; a copy).</summary>
    public unsafe Tensor Repeat(params long[] repeats)
    {
        ArgumentNullException.ThrowIfNull(repeats);
        fixed (long* s = repeats)
            return Wrap(NativeMethods.dt_tensor_repeat(Handle, s, repeats.Length, out var r), r);
    }

    /// <summary>The upper triangle of the last two dims; elements below diagonal <paramref name="diagonal"/> become 0.</summary>
    public Tensor Triu(long diagonal = 0) => Wrap(NativeMethods.dt_tensor_triu(Handle, diagonal, out var r), r);

    /// <summary>Concatenates along an existing dimension.</summary>
    public static Tensor Cat(ReadOnlySpan<Tensor> tensors, long dim = 0) => Combine(tensors, dim, stack: false);

    /// <summary>Stacks along a new dimension.</summary>
    public static Tensor Stack(ReadOnlySpan<Tensor> tensors, long dim = 0) => Combine(tensors, dim, stack: true);

    private static unsafe Tensor Combine(ReadOnlySpan<Tensor> tensors, long dim, bool stack)
    {
        if (tensors.IsEmpty)
            throw new ArgumentException("at least one tensor is needed", nameof(tensors));
        var handles = new TensorHandle[tensors.Length];
        var raw = new nint[tensors.Length];
        int added = 0;
        try
        {
            for (; added < tensors.Length; added++)
            {
                handles[added] = Arg(tensors[added]);
                bool ok = false;
                handles[added].DangerousAddRef(ref ok);
                raw[added] = handles[added].DangerousGetHandle();
            }
            fixed (nint* p = raw)
            {
                int status = stack
                    ? NativeMethods.dt_tensor_stack(p, raw.Length, dim, out var r)
                    : NativeMethods.dt_tensor_cat(p, raw.Length, dim, out r);
                return Wrap(status, r);
            }
        }
        finally
        {
            for (int i = 0; i < added; i++) handles[i].DangerousRelease();
        }
    }

    /// <summary>torch.chunk: up to <paramref name="chunks"/> views along <paramref name="dim"/> (the last may be smaller).</summary>
    public unsafe Tensor[] Chunk(int chunks, long dim = 0)
    {
        if (chunks < 1) throw new ArgumentOutOfRangeException(nameof(chunks), chunks, "chunks must be >= 1");
        var raw = new nint[chunks];
        int count;
        fixed (nint* p = raw)
            NativeStatus.Check(NativeMethods.dt_tensor_chunk(Handle, chunks, dim, p, chunks, out count));
        return Adopt(raw, count);
    }

    /// <summary>torch.split with explicit sizes along <paramref name="dim"/> (they must sum to its size); views.</summary>
    public unsafe Tensor[] Split(long[] sizes, long dim = 0)
    {
        ArgumentNullException.ThrowIfNull(sizes);
        var raw = new nint[sizes.Length];
        fixed (long* s = sizes)
        fixed (nint* p = raw)
            NativeStatus.Check(NativeMethods.dt_tensor_split(Handle, s, sizes.Length, dim, p, raw.Length));
        return Adopt(raw, raw.Length);
    }

    /// <summary>torch.split with a chunk size: pieces of <paramref name="splitSize"/> (the last may be smaller).</summary>
    public Tensor[] Split(long splitSize, long dim = 0)
    {
        if (splitSize < 1) throw new ArgumentOutOfRangeException(nameof(splitSize), splitSize, "split size must be >= 1");
        long total = Size(checked((int)dim));
        var sizes = new List<long>();
        for (long at = 0; at < total; at += splitSize) sizes.Add(Math.Min(splitSize, total - at));
        return Split([.. sizes], dim);
    }

    private static Tensor[] Adopt(nint[] raw, int count)
    {
        var result = new Tensor[count];
        for (int i = 0; i < count; i++) result[i] = new Tensor(new TensorHandle(raw[i], ownsHandle: true));
        return result;
    }
}
