using Diffusion.Models.Adapters;
using Diffusion.Pipelines.Denoising;
using Diffusion.Pipelines.Models;
using Diffusion.Schedulers;
using Diffusion.Torch;

namespace Diffusion.Hosting;

/// <summary>
/// The product's model provider: the models of <c>services/Diffusion.Models</c> on the libtorch
/// engine, random streams from torch's CPU generator (<see cref="TorchNoiseSourceFactory"/>), and
/// torch's out-of-memory error mapped to RESOURCE_EXHAUSTED.
/// </summary>
public sealed class TorchModelProvider : IModelProvider
{
    /// <inheritdoc/>
    public INoiseSourceFactory NoiseSources { get; } = new TorchNoiseSourceFactory();

    /// <inheritdoc/>
    public ITextEncoderModel LoadTextEncoder(string modelDir, ModelPlacement placement)
    {
        ArgumentNullException.ThrowIfNull(placement);
        return TorchTextEncoderModel.Load(modelDir, ToDevice(placement), ToScalarType(placement));
    }

    /// <inheritdoc/>
    public IUNetModel LoadUNet(string modelDir, ModelPlacement placement)
    {
        ArgumentNullException.ThrowIfNull(placement);
        return TorchUNetModel.Load(modelDir, ToDevice(placement), ToScalarType(placement));
    }

    /// <inheritdoc/>
    public IVaeModel LoadVae(string modelDir, ModelPlacement placement)
    {
        ArgumentNullException.ThrowIfNull(placement);
        return TorchVaeModel.Load(modelDir, ToDevice(placement), ToScalarType(placement));
    }

    /// <inheritdoc/>
    public SchedulerConfig LoadSchedulerConfig(string modelDir) => DiffusersModelFolder.LoadSchedulerConfig(modelDir);

    /// <inheritdoc/>
    public bool IsOutOfMemory(Exception error) => error is TorchOutOfMemoryException or OutOfMemoryException;

    /// <summary>The engine's device for <see cref="ModelPlacement.Device"/> (cpu, cuda, cuda:N).</summary>
    public static Device ToDevice(ModelPlacement placement)
    {
        ArgumentNullException.ThrowIfNull(placement);
        return Device.Parse(placement.Device);
    }

    /// <summary>The engine's dtype for <see cref="ModelPlacement.DType"/> (f32, f16, bf16).</summary>
    public static ScalarType ToScalarType(ModelPlacement placement)
    {
        ArgumentNullException.ThrowIfNull(placement);
        return placement.DType switch
        {
            "f16" => ScalarType.Float16,
            "bf16" => ScalarType.BFloat16,
            _ => ScalarType.Float32,
        };
    }
}
