using System.Globalization;

namespace Diffusion.Torch;

/// <summary>Kinds of device a tensor can live on (values of the native ABI).</summary>
public enum DeviceType
{
    /// <summary>Host memory.</summary>
    Cpu = 0,
    /// <summary>An NVIDIA GPU.</summary>
    Cuda = 1,
}

/// <summary>A device: <c>cpu</c> or <c>cuda:N</c>. <see cref="Index"/> is -1 for "the current CUDA device"
/// (<c>cuda</c>) and always -1 for the CPU.</summary>
public readonly record struct Device(DeviceType Type, int Index = -1)
{
    /// <summary>The host.</summary>
    public static Device Cpu => new(DeviceType.Cpu);

    /// <summary>CUDA device <paramref name="index"/>.</summary>
    public static Device Cuda(int index = 0) =>
        index >= 0 ? new(DeviceType.Cuda, index) : throw new ArgumentOutOfRangeException(nameof(index), index, "CUDA device index must be >= 0");

    /// <summary>Whether this is the CPU.</summary>
    public bool IsCpu => Type == DeviceType.Cpu;

    /// <summary>Whether this is a CUDA device.</summary>
    public bool IsCuda => Type == DeviceType.Cuda;

    /// <summary>Parses <c>cpu</c>, <c>cuda</c> or <c>cuda:N</c> (case-insensitive), PyTorch's spelling.</summary>
    public static Device Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var s = text.Trim().ToLowerInvariant();
        if (s == "cpu") return Cpu;
        if (s == "cuda") return new Device(DeviceType.Cuda);
        if (s.StartsWith("cuda:", StringComparison.Ordinal)
            && int.TryParse(s.AsSpan(5), NumberStyles.None, CultureInfo.InvariantCulture, out var index))
            return Cuda(index);
        throw new FormatException($"'{text}' is not a device (expected cpu, cuda or cuda:N)");
    }

    /// <summary>PyTorch's spelling: <c>cpu</c>, <c>cuda</c>, <c>cuda:0</c>.</summary>
    public override string ToString() => Type switch
    {
        DeviceType.Cpu => "cpu",
        _ => Index < 0 ? "cuda" : $"cuda:{Index.ToString(CultureInfo.InvariantCulture)}",
    };
}
