namespace Diffusion.Torch;

/// <summary>Element types. The values are c10::ScalarType's, which the native ABI uses directly.</summary>
public enum ScalarType
{
    /// <summary>8-bit unsigned integer (byte).</summary>
    UInt8 = 0,
    /// <summary>8-bit signed integer (sbyte).</summary>
    Int8 = 1,
    /// <summary>16-bit signed integer (short).</summary>
    Int16 = 2,
    /// <summary>32-bit signed integer (int).</summary>
    Int32 = 3,
    /// <summary>64-bit signed integer (long).</summary>
    Int64 = 4,
    /// <summary>IEEE half precision (<see cref="Half"/>).</summary>
    Float16 = 5,
    /// <summary>IEEE single precision (float).</summary>
    Float32 = 6,
    /// <summary>IEEE double precision (double).</summary>
    Float64 = 7,
    /// <summary>Boolean stored as one byte (bool).</summary>
    Bool = 11,
    /// <summary>bfloat16 (no .NET element type: use byte-level APIs or convert).</summary>
    BFloat16 = 15,
}

/// <summary>Sizes and CLR element types of <see cref="ScalarType"/>.</summary>
public static class ScalarTypeExtensions
{
    /// <summary>Bytes per element.</summary>
    public static int ElementSize(this ScalarType type) => type switch
    {
        ScalarType.UInt8 or ScalarType.Int8 or ScalarType.Bool => 1,
        ScalarType.Int16 or ScalarType.Float16 or ScalarType.BFloat16 => 2,
        ScalarType.Int32 or ScalarType.Float32 => 4,
        ScalarType.Int64 or ScalarType.Float64 => 8,
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, "unknown scalar type"),
    };

    /// <summary>Whether the type holds floating-point values.</summary>
    public static bool IsFloatingPoint(this ScalarType type) =>
        type is ScalarType.Float16 or ScalarType.Float32 or ScalarType.Float64 or ScalarType.BFloat16;

    /// <summary>The scalar type whose elements are the CLR type <typeparamref name="T"/>.</summary>
    public static ScalarType Of<T>() where T : unmanaged
    {
        if (typeof(T) == typeof(float)) return ScalarType.Float32;
        if (typeof(T) == typeof(Half)) return ScalarType.Float16;
        if (typeof(T) == typeof(double)) return ScalarType.Float64;
        if (typeof(T) == typeof(long)) return ScalarType.Int64;
        if (typeof(T) == typeof(int)) return ScalarType.Int32;
        if (typeof(T) == typeof(short)) return ScalarType.Int16;
        if (typeof(T) == typeof(sbyte)) return ScalarType.Int8;
        if (typeof(T) == typeof(byte)) return ScalarType.UInt8;
        if (typeof(T) == typeof(bool)) return ScalarType.Bool;
        throw new NotSupportedException($"{typeof(T).Name} is not a tensor element type");
    }
}
