using Diffusion.Models.Loading;
using Diffusion.Models.Vae;
using Diffusion.Pipelines.Models;
using Diffusion.Torch;

namespace Diffusion.Models.Adapters;

/// <summary><see cref="IVaeModel"/> over <see cref="AutoencoderKL"/>: managed arrays in, one forward under
/// a <see cref="TensorScope"/>, float32 arrays out. Tiled requests use diffusers' tiled decode/encode
/// (see <see cref="AutoencoderKL.Decode(Tensor, bool)"/>).</summary>
/// <remarks>Decode/Encode may be called from several threads at once (the weights are only read).</remarks>
public sealed class TorchVaeModel : IVaeModel, IDisposable
{
    private readonly AutoencoderKL _model;
    private readonly Device _device;
    private readonly ScalarType _dtype;

    /// <summary>Wraps a loaded model; takes ownership of <paramref name="model"/>.</summary>
    public TorchVaeModel(string name, AutoencoderKL model)
    {
        ArgumentNullException.ThrowIfNull(name);
        _model = model ?? throw new ArgumentNullException(nameof(model));
        _device = model.Device;
        _dtype = model.Dtype;
        var c = model.Config;
        Info = new VaeInfo(name, c.ScalingFactor, c.LatentChannels, c.DownscaleFactor, _device.ToString(), DTypeName.Of(_dtype));
    }

    /// <inheritdoc/>
    public VaeInfo Info { get; }

    /// <summary>The underlying module (for benchmarks and direct use).</summary>
    public AutoencoderKL Module => _model;

    /// <summary>Loads <c>vae/</c> of the diffusers ROOT folder <paramref name="modelDir"/> onto
    /// <paramref name="device"/> in <paramref name="dtype"/> (Float16 prefers the <c>fp16</c> weight variant).
    /// Like diffusers' pipelines (<c>needs_upcasting = vae.dtype == float16 and vae.config.force_upcast</c>),
    /// a Float16 request for a VAE whose config sets <c>force_upcast</c> runs in Float32 (fp16 VAE
    /// activations can overflow); <see cref="VaeInfo.DType"/> reports the dtype actually used.</summary>
    /// <exception cref="ModelLoadException">A file is missing or a config option unsupported.</exception>
    public static TorchVaeModel Load(string modelDir, Device device, ScalarType dtype)
    {
        var folder = ModelFolder.Open(modelDir);
        var variant = dtype == ScalarType.Float16 ? "fp16" : null;
        if (dtype == ScalarType.Float16 && AutoencoderKLConfig.Load(Path.Combine(folder.VaePath, "config.json")).ForceUpcast)
            dtype = ScalarType.Float32;
        var model = AutoencoderKL.Load(folder.VaePath, dtype, device, variant);
        return new TorchVaeModel(Path.GetFileName(Path.TrimEndingDirectorySeparator(folder.Root)), model);
    }

    /// <inheritdoc/>
    public float[] Decode(ReadOnlySpan<float> latents, long[] shape, bool tiled, CancellationToken cancellationToken = default)
    {
        Validate(latents.Length, shape, Info.LatentChannels, 1, nameof(latents));
        cancellationToken.ThrowIfCancellationRequested();
        using var scope = TensorScope.Enter();
        var z = Tensor.FromSpan(latents, shape, _device, _dtype);
        return ToFloats(_model.Decode(z, tiled));
    }

    /// <inheritdoc/>
    public (float[] Mean, float[] LogVar, long[] Shape) Encode(ReadOnlySpan<float> images, long[] shape, bool tiled, CancellationToken cancellationToken = default)
    {
        Validate(images.Length, shape, _model.Config.InChannels, Info.DownscaleFactor, nameof(images));
        cancellationToken.ThrowIfCancellationRequested();
        using var scope = TensorScope.Enter();
        var x = Tensor.FromSpan(images, shape, _device, _dtype);
        var (mean, logVar) = _model.Encode(x, tiled);
        return (ToFloats(mean), ToFloats(logVar), mean.Shape);
    }

    private static void Validate(int length, long[] shape, int channels, int multiple, string name)
    {
        ArgumentNullException.ThrowIfNull(shape);
        if (shape.Length != 4 || shape[0] < 1 || shape[1] != channels || shape[2] < 1 || shape[3] < 1
            || shape[2] % multiple != 0 || shape[3] % multiple != 0)
            throw new ArgumentException($"{name} must be [B, {channels}, H, W] with H and W multiples of {multiple}, got [{string.Join(", ", shape)}]", name);
        if (length != shape[0] * shape[1] * shape[2] * shape[3])
            throw new ArgumentException($"{length} values do not fill [{string.Join(", ", shape)}]", name);
    }

    private static float[] ToFloats(Tensor t) => t.To(Device.Cpu, ScalarType.Float32).Contiguous().ToFloatArray();

    /// <summary>Frees the model's weights.</summary>
    public void Dispose() => _model.Dispose();
}
