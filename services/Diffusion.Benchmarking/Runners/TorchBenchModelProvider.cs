using Diffusion.Models.Adapters;
using Diffusion.Models.Clip;
using Diffusion.Models.Loading;
using Diffusion.Pipelines.Denoising;
using Diffusion.Pipelines.Models;
using Diffusion.Schedulers;
using Diffusion.Torch;
using Diffusion.Torch.Nn;

namespace Diffusion.Benchmarking.Runners;

/// <summary>Loads benchmark models on our engine (Diffusion.Models' Torch adapters). With random weights, each model is
/// built from the embedded public config.json and filled by <see cref="Init.RandomizeParameters"/> (seed
/// <see cref="RandomSeed"/>): the full-size architectures in memory, no download.</summary>
public sealed partial class TorchBenchModelProvider : IBenchModelProvider
{
    /// <summary>Seed of the random-weight initialization.</summary>
    public const ulong RandomSeed = 1234;

    /// <inheritdoc/>
    public void SetThreads(int threads)
    {
        if (threads > 0)
            Torch.Torch.SetNumThreads(threads);
    }

    /// <inheritdoc/>
    public INoiseSourceFactory NoiseSources { get; } = new TorchNoiseSourceFactory();

    /// <inheritdoc/>
    public EngineInfo DescribeEngine(ModelSource source)
    {
        ArgumentNullException.ThrowIfNull(source);
        var device = ParseDevice(source.Device);
        string? gpu = device.IsCuda ? $"CUDA device {Math.Max(0, device.Index)} of {Cuda.DeviceCount}" : null;
        return new EngineInfo(Torch.Torch.NumThreads, Torch.Torch.Version.ToString(), Torch.Torch.BuildInfo, gpu);
    }

    /// <inheritdoc/>
    public SchedulerConfig LoadSchedulerConfig(ModelSource source)
    {
        ArgumentNullException.ThrowIfNull(source);
        return source.ModelDirectory is { } dir
            ? SchedulerConfig.Load(ModelFolder.Open(dir).SchedulerConfigPath)
            : SchedulerConfig.Parse(ModelConfigs.Read(source.RandomArchitecture!, "scheduler"));
    }

    /// <inheritdoc/>
    public ITextEncoderModel LoadTextEncoder(ModelSource source)
    {
        ArgumentNullException.ThrowIfNull(source);
        var device = ParseDevice(source.Device);
        var dtype = ParseDType(source.DType);
        if (source.ModelDirectory is { } dir)
            return TorchTextEncoderModel.Load(dir, device, dtype);
        var config = ClipTextConfig.Load(WriteConfig(source, "text_encoder"));
        var model = new ClipTextModel(config, dtype, device);
        try
        {
            Randomize(model);
            return new TorchTextEncoderModel(source.Name, ByteLevelTokenizer.Create(), model, device);
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    /// <summary>"cpu", "cuda", "cuda:1".</summary>
    public static Device ParseDevice(string text) => Device.Parse(text);

    /// <summary>f32, f16, bf16 to the engine's scalar type.</summary>
    public static ScalarType ParseDType(string text) => text switch
    {
        "f32" => ScalarType.Float32,
        "f16" => ScalarType.Float16,
        "bf16" => ScalarType.BFloat16,
        _ => throw new ArgumentException($"dtype must be f32, f16 or bf16, not '{text}'"),
    };

    private static void Randomize(Module module)
    {
        using var generator = new Generator(RandomSeed);
        Init.RandomizeParameters(module, generator);
    }

    /// <summary>Writes the embedded config of <paramref name="component"/> to a temporary file and returns its path (the model
    /// config loaders read files).</summary>
    private static string WriteConfig(ModelSource source, string component)
    {
        var folder = Path.Combine(Path.GetTempPath(), "diffusion-bench-configs", source.RandomArchitecture!);
        var path = ModelConfigs.WriteTo(folder, source.RandomArchitecture!, component);
        return path;
    }
}
