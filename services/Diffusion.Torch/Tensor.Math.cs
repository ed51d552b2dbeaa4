using Diffusion.Torch.Native;

namespace Diffusion.Torch;

// Element-wise math with PyTorch broadcasting and type promotion.
public sealed partial class Tensor
{
    /// <summary>-x.</summary>
    public Tensor Neg() => Wrap(NativeMethods.dt_tensor_neg(Handle, out var r), r);
    /// <summary>|x|.</summary>
    public Tensor Abs() => Wrap(NativeMethods.dt_tensor_abs(Handle, out var r), r);
    /// <summary>e^x.</summary>
    public Tensor Exp() => Wrap(NativeMethods.dt_tensor_exp(Handle, out var r), r);
    /// <summary>Natural logarithm.</summary>
    public Tensor Log() => Wrap(NativeMethods.dt_tensor_log(Handle, out var r), r);
    /// <summary>Square root.</summary>
    public Tensor Sqrt() => Wrap(NativeMethods.dt_tensor_sqrt(Handle, out var r), r);
    /// <summary>1 / sqrt(x).</summary>
    public Tensor Rsqrt() => Wrap(NativeMethods.dt_tensor_rsqrt(Handle, out var r), r);
    /// <summary>Sine (radians).</summary>
    public Tensor Sin() => Wrap(NativeMethods.dt_tensor_sin(Handle, out var r), r);
    /// <summary>Cosine (radians).</summary>
    public Tensor Cos() => Wrap(NativeMethods.dt_tensor_cos(Handle, out var r), r);
    /// <summary>Hyperbolic tangent.</summary>
    public Tensor Tanh() => Wrap(NativeMethods.dt_tensor_tanh(Handle, out var r), r);
    /// <summary>1 / (1 + e^-x).</summary>
    public Tensor Sigmoid() => Wrap(NativeMethods.dt_tensor_sigmoid(Handle, out var r), r);
    /// <summary>Gauss error function.</summary>
    public Tensor Erf() => Wrap(NativeMethods.dt_tensor_erf(Handle, out var r), r);
    /// <summary>Round down.</summary>
    public Tensor Floor() => Wrap(NativeMethods.dt_tensor_floor(Handle, out var r), r);
    /// <summary>Round half to even (torch.round).</summary>
    public Tensor Round() => Wrap(NativeMethods.dt_tensor_round(Handle, out var r), r);
    /// <summary>Boolean not.</summary>
    public Tensor LogicalNot() => Wrap(NativeMethods.dt_tensor_logical_not(Handle, out var r), r);

    /// <summary>this + alpha * other.</summary>
    public Tensor Add(Tensor other, double alpha = 1) => Wrap(NativeMethods.dt_tensor_add(Handle, Arg(other), alpha, out var r), r);
    /// <summary>this - alpha * other.</summary>
    public Tensor Sub(Tensor other, double alpha = 1) => Wrap(NativeMethods.dt_tensor_sub(Handle, Arg(other), alpha, out var r), r);
    /// <summary>this * other.</summary>
    public Tensor Mul(Tensor other) => Wrap(NativeMethods.dt_tensor_mul(Handle, Arg(other), out var r), r);
    /// <summary>this / other (true division).</summary>
    public Tensor Div(Tensor other) => Wrap(NativeMethods.dt_tensor_div(Handle, Arg(other), out var r), r);
    /// <summary>this ** other.</summary>
    public Tensor Pow(Tensor exponent) => Wrap(NativeMethods.dt_tensor_pow(Handle, Arg(exponent), out var r), r);
    /// <summary>Element-wise maximum.</summary>
    public Tensor Maximum(Tensor other) => Wrap(NativeMethods.dt_tensor_maximum(Handle, Arg(other), out var r), r);
    /// <summary>Element-wise minimum.</summary>
    public Tensor Minimum(Tensor other) => Wrap(NativeMethods.dt_tensor_minimum(Handle, Arg(other), out var r), r);

    /// <summary>this + s.</summary>
    public Tensor Add(double s) => Wrap(NativeMethods.dt_tensor_add_scalar(Handle, s, out var r), r);
    /// <summary>this - s.</summary>
    public Tensor Sub(double s) => Add(-s);
    /// <summary>this * s.</summary>
    public Tensor Mul(double s) => Wrap(NativeMethods.dt_tensor_mul_scalar(Handle, s, out var r), r);
    /// <summary>this / s.</summary>
    public Tensor Div(double s) => Wrap(NativeMethods.dt_tensor_div_scalar(Handle, s, out var r), r);
    /// <summary>this ** exponent.</summary>
    public Tensor Pow(double exponent) => Wrap(NativeMethods.dt_tensor_pow_scalar(Handle, exponent, out var r), r);
    /// <summary>s - this.</summary>
    public Tensor RSub(double s) => Wrap(NativeMethods.dt_tensor_rsub_scalar(Handle, s, out var r), r);
    /// <summary>s / this.</summary>
    public Tensor RDiv(double s) => Wrap(NativeMethods.dt_tensor_rdiv_scalar(Handle, s, out var r), r);

    /// <summary>this += alpha * other, in place; returns this.</summary>
    public Tensor AddInPlace(Tensor other, double alpha = 1) { NativeStatus.Check(NativeMethods.dt_tensor_add_(Handle, Arg(other), alpha)); return this; }
    /// <summary>this -= alpha * other, in place; returns this.</summary>
    public Tensor SubInPlace(Tensor other, double alpha = 1) { NativeStatus.Check(NativeMethods.dt_tensor_sub_(Handle, Arg(other), alpha)); return this; }
    /// <summary>this *= other, in place; returns this.</summary>
    public Tensor MulInPlace(Tensor other) { NativeStatus.Check(NativeMethods.dt_tensor_mul_(Handle, Arg(other))); return this; }
    /// <summary>this /= other, in place; returns this.</summary>
    public Tensor DivInPlace(Tensor other) { NativeStatus.Check(NativeMethods.dt_tensor_div_(Handle, Arg(other))); return this; }
    /// <summary>this += s, in place; returns this.</summary>
    public Tensor AddInPlace(double s) { NativeStatus.Check(NativeMethods.dt_tensor_add_scalar_(Handle, s)); return this; }
    /// <summary>this *= s, in place; returns this.</summary>
    public Tensor MulInPlace(double s) { NativeStatus.Check(NativeMethods.dt_tensor_mul_scalar_(Handle, s)); return this; }
    /// <summary>this /= s, in place; returns this.</summary>
    public Tensor DivInPlace(double s) { NativeStatus.Check(NativeMethods.dt_tensor_div_scalar_(Handle, s)); return this; }

    /// <summary>Element-wise this == other (Bool).</summary>
    public Tensor Eq(Tensor other) => Compare(other, 0);
    /// <summary>Element-wise this != other (Bool).</summary>
    public Tensor Ne(Tensor other) => Compare(other, 1);
    /// <summary>Element-wise this &lt; other (Bool).</summary>
    public Tensor Lt(Tensor other) => Compare(other, 2);
    /// <summary>Element-wise this &lt;= other (Bool).</summary>
    public Tensor Le(Tensor other) => Compare(other, 3);
    /// <summary>Element-wise this &gt; other (Bool).</summary>
    public Tensor Gt(Tensor other) => Compare(other, 4);
    /// <summary>Element-wise this &gt;= other (Bool).</summary>
    public Tensor Ge(Tensor other) => Compare(other, 5);
    /// <summary>Element-wise this == s (Bool).</summary>
    public Tensor Eq(double s) => Compare(s, 0);
    /// <summary>Element-wise this != s (Bool).</summary>
    public Tensor Ne(double s) => Compare(s, 1);
    /// <summary>Element-wise this &lt; s (Bool).</summary>
    public Tensor Lt(double s) => Compare(s, 2);
    /// <summary>Element-wise this &lt;= s (Bool).</summary>
    public Tensor Le(double s) => Compare(s, 3);
    /// <summary>Element-wise this &gt; s (Bool).</summary>
    public Tensor Gt(double s) => Compare(s, 4);
    /// <summary>Element-wise this &gt;= s (Bool).</summary>
    public Tensor Ge(double s) => Compare(s, 5);

    private Tensor Compare(Tensor other, int op) => Wrap(NativeMethods.dt_tensor_compare(Handle, Arg(other), op, out var r), r);
    private Tensor Compare(double s, int op) => Wrap(NativeMethods.dt_tensor_compare_scalar(Handle, s, op, out var r), r);

    /// <summary>Elements of <paramref name="ifTrue"/> where <paramref name="condition"/> is true, else of <paramref name="ifFalse"/> (broadcast).</summary>
    public static Tensor Where(Tensor condition, Tensor ifTrue, Tensor ifFalse) =>
        Wrap(NativeMethods.dt_tensor_where(Arg(condition), Arg(ifTrue), Arg(ifFalse), out var r), r);

    /// <summary>A copy with <paramref name="value"/> where the Bool <paramref name="mask"/> (broadcast) is true.</summary>
    public Tensor MaskedFill(Tensor mask, double value) => Wrap(NativeMethods.dt_tensor_masked_fill(Handle, Arg(mask), value, out var r), r);

    /// <summary>Clamps into [min, max]; a null bound is open.</summary>
    public Tensor Clamp(double? min = null, double? max = null)
    {
        if (min is null && max is null)
            throw new ArgumentException("Clamp needs at least one bound");
        return Wrap(NativeMethods.dt_tensor_clamp(Handle, min ?? 0, min is null ? 0 : 1, max ?? 0, max is null ? 0 : 1, out var r), r);
    }

    /// <summary>a + b.</summary>
    public static Tensor operator +(Tensor a, Tensor b) => NotNull(a).Add(b);
    /// <summary>a - b.</summary>
    public static Tensor operator -(Tensor a, Tensor b) => NotNull(a).Sub(b);
    /// <summary>a * b.</summary>
    public static Tensor operator *(Tensor a, Tensor b) => NotNull(a).Mul(b);
    /// <summary>a / b.</summary>
    public static Tensor operator /(Tensor a, Tensor b) => NotNull(a).Div(b);
    /// <summary>a + s.</summary>
    public static Tensor operator +(Tensor a, double s) => NotNull(a).Add(s);
    /// <summary>s + a.</summary>
    public static Tensor operator +(double s, Tensor a) => a + s;
    /// <summary>a - s.</summary>
    public static Tensor operator -(Tensor a, double s) => a + -s;
    /// <summary>s - a.</summary>
    public static Tensor operator -(double s, Tensor a) => NotNull(a).RSub(s);
    /// <summary>a * s.</summary>
    public static Tensor operator *(Tensor a, double s) => NotNull(a).Mul(s);
    /// <summary>s * a.</summary>
    public static Tensor operator *(double s, Tensor a) => a * s;
    /// <summary>a / s.</summary>
    public static Tensor operator /(Tensor a, double s) => NotNull(a).Div(s);
    /// <summary>s / a.</summary>
    public static Tensor operator /(double s, Tensor a) => NotNull(a).RDiv(s);
    /// <summary>-a.</summary>
    public static Tensor operator -(Tensor a) => NotNull(a).Neg();

    private static Tensor NotNull(Tensor? tensor) => tensor ?? throw new ArgumentNullException(nameof(tensor), "a tensor operand is null");

    // The handle of a required tensor argument (null -> ArgumentNullException, freed -> ObjectDisposedException).
    internal static TensorHandle Arg(Tensor? tensor) =>
        tensor is null ? throw new ArgumentNullException(nameof(tensor), "a tensor argument is null") : tensor.Handle;

    // The handle of an optional tensor argument (bias, mask).
    internal static TensorHandle Optional(Tensor? tensor) => tensor is null ? TensorHandle.Null : tensor.Handle;
}
