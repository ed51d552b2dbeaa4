namespace Diffusion.Torch.Safetensors;

/// <summary>The dtype strings of the safetensors header and their <see cref="ScalarType"/>.</summary>
public static class SafetensorsDType
{
    /// <summary>The element type for a header dtype string; false for dtypes the engine cannot hold (e.g. F8_E4M3, U16).</summary>
    public static bool TryParse(string? name, out ScalarType type)
    {
        switch (name)
        {
            case "F64": type = ScalarType.Float64; return true;
            case "F32": type = ScalarType.Float32; return true;
            case "F16": type = ScalarType.Float16; return true;
            case "BF16": type = ScalarType.BFloat16; return true;
            case "I64": type = ScalarType.Int64; return true;
            case "I32": type = ScalarType.Int32; return true;
            case "I16": type = ScalarType.Int16; return true;
            case "I8": type = ScalarType.Int8; return true;
            case "U8": type = ScalarType.UInt8; return true;
            case "BOOL": type = ScalarType.Bool; return true;
            default: type = default; return false;
        }
    }

    /// <summary>The header dtype string of <paramref name="type"/>.</summary>
    public static string Name(ScalarType type) => type switch
    {
        ScalarType.Float64 => "F64",
        ScalarType.Float32 => "F32",
        ScalarType.Float16 => "F16",
        ScalarType.BFloat16 => "BF16",
        ScalarType.Int64 => "I64",
        ScalarType.Int32 => "I32",
        ScalarType.Int16 => "I16",
        ScalarType.Int8 => "I8",
        ScalarType.UInt8 => "U8",
        ScalarType.Bool => "BOOL",
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, "no safetensors dtype"),
    };
}
