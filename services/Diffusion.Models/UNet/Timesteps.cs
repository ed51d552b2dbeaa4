using Diffusion.Torch;

namespace Diffusion.Models.UNet;

/// <summary>diffusers <c>Timesteps</c> / <c>get_timestep_embedding</c>: the parameter-free sinusoidal
/// embedding <c>[sin(t·f) | cos(t·f)]</c> (swapped to <c>[cos | sin]</c> with flip_sin_to_cos) with
/// <c>f_i = exp(-ln(10000) · i / (half - freq_shift))</c>, computed in float32 like diffusers.</summary>
public sealed class Timesteps
{
    private readonly int _channels;
    private readonly bool _flipSinToCos;
    private readonly int _freqShift;

    /// <summary>Creates the embedding of width <paramref name="channels"/>.</summary>
    public Timesteps(int channels, bool flipSinToCos, int freqShift)
    {
        _channels = channels;
        _flipSinToCos = flipSinToCos;
        _freqShift = freqShift;
    }

    /// <summary>[B] timesteps (any numeric dtype; fractional allowed) -> [B, channels] float32.</summary>
    public Tensor Forward(Tensor timesteps)
    {
        ArgumentNullException.ThrowIfNull(timesteps);
        using var scope = TensorScope.Enter();
        var half = _channels / 2;
        // Same op order as diffusers: (-ln(max_period) * arange(half)) / (half - shift), then exp.
        var exponent = Tensor.Arange(0, half, 1, ScalarType.Float32, timesteps.Device).Mul(-Math.Log(10000.0)).Div(half - _freqShift);
        var freqs = exponent.Exp().Unsqueeze(0);                                  // [1, half]
        var args = timesteps.To(ScalarType.Float32).Unsqueeze(1).Mul(freqs);      // [B, half]
        var sin = args.Sin();
        var cos = args.Cos();
        var emb = _flipSinToCos ? Tensor.Cat([cos, sin], -1) : Tensor.Cat([sin, cos], -1);
        if (_channels % 2 == 1) emb = emb.Pad([0, 1]);                            // zero pad odd widths
        return emb.MoveToOuterScope();
    }
}
