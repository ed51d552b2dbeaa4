using Diffusion.Pipelines.Denoising;
using Diffusion.Pipelines.Models;
using Diffusion.Schedulers;

namespace Diffusion.Hosting;

/// <summary>
/// Loads the models a service runs. The product composes the real provider (the libtorch engine);
/// tests pass deterministic stand-ins. Each service calls only the loader it needs, once, on a
/// background thread at start-up; a returned model that is <see cref="IDisposable"/> is disposed
/// when the host shuts down (the service owns it).
/// </summary>
public interface IModelProvider
{
    /// <summary>The tokenizer + CLIP text model of a diffusers model folder.</summary>
    /// <param name="modelDir">The diffusers root (holding <c>text_encoder/</c>, <c>tokenizer/</c>, ...).</param>
    /// <param name="placement">Device and dtype to run on.</param>
    ITextEncoderModel LoadTextEncoder(string modelDir, ModelPlacement placement);

    /// <summary>The UNet2DConditionModel of a diffusers model folder (<c>unet/</c>).</summary>
    IUNetModel LoadUNet(string modelDir, ModelPlacement placement);

    /// <summary>The AutoencoderKL of a diffusers model folder (<c>vae/</c>).</summary>
    IVaeModel LoadVae(string modelDir, ModelPlacement placement);

    /// <summary>The model's <c>scheduler/scheduler_config.json</c>.</summary>
    SchedulerConfig LoadSchedulerConfig(string modelDir);

    /// <summary>Creates a request's random stream (torch.Generator("cpu").manual_seed(seed)), the
    /// same generator the models' engine uses, so draws match diffusers at the same seed.</summary>
    INoiseSourceFactory NoiseSources { get; }

    /// <summary>Whether <paramref name="error"/> is the engine's out-of-memory failure (mapped to
    /// RESOURCE_EXHAUSTED: the request may succeed later or smaller).</summary>
    bool IsOutOfMemory(Exception error) => error is OutOfMemoryException || error is InsufficientMemoryException;
}

/// <summary>Where a model runs.</summary>
/// <param name="Device"><c>cpu</c> or <c>cuda</c> / <c>cuda:N</c>.</param>
/// <param name="DType"><c>f32</c>, <c>f16</c> or <c>bf16</c>.</param>
public sealed record ModelPlacement(string Device, string DType)
{
    /// <summary>CPU, float32.</summary>
    public static ModelPlacement Default { get; } = new("cpu", "f32");

    /// <summary>Checks the spelling of both values.</summary>
    /// <exception cref="InvalidOperationException">A value is not one of the accepted spellings (names the key).</exception>
    public static ModelPlacement Parse(string? device, string? dtype)
    {
        string d = string.IsNullOrWhiteSpace(device) ? "cpu" : device.Trim().ToLowerInvariant();
        bool deviceOk = d == "cpu" || d == "cuda"
            || (d.StartsWith("cuda:", StringComparison.Ordinal) && int.TryParse(d.AsSpan(5), out int index) && index >= 0);
        if (!deviceOk)
            throw new InvalidOperationException($"Configuration Diffusion:Device: '{device}' is not cpu, cuda or cuda:N.");
        string t = string.IsNullOrWhiteSpace(dtype) ? "f32" : dtype.Trim().ToLowerInvariant();
        t = t switch
        {
            "f32" or "float32" or "fp32" => "f32",
            "f16" or "float16" or "fp16" or "half" => "f16",
            "bf16" or "bfloat16" => "bf16",
            _ => throw new InvalidOperationException($"Configuration Diffusion:DType: '{dtype}' is not f32, f16 or bf16."),
        };
        return new ModelPlacement(d, t);
    }
}
