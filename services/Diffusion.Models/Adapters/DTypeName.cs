using Diffusion.Torch;

namespace Diffusion.Models.Adapters;

/// <summary>The short dtype names the services report (<c>f32</c>, <c>f16</c>, <c>bf16</c>).</summary>
internal static class DTypeName
{
    /// <summary>Short name of <paramref name="dtype"/>.</summary>
    public static string Of(ScalarType dtype) => dtype switch
    {
        ScalarType.Float32 => "f32",
        ScalarType.Float16 => "f16",
        ScalarType.BFloat16 => "bf16",
        _ => dtype.ToString().ToLowerInvariant(),
    };
}
