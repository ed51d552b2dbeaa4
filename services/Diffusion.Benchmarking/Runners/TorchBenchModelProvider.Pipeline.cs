using Diffusion.Models.Adapters;
using Diffusion.Models.UNet;
using Diffusion.Models.Vae;
using Diffusion.Pipelines.Models;

namespace Diffusion.Benchmarking.Runners;

public sealed partial class TorchBenchModelProvider
{
    /// <inheritdoc/>
    public IUNetModel LoadUNet(ModelSource source)
    {
        ArgumentNullException.ThrowIfNull(source);
        if (source.ModelDirectory is { } dir)
            return TorchUNetModel.Load(dir, ParseDevice(source.Device), ParseDType(source.DType));
        var model = UNet2DConditionModel.CreateRandom(UNet2DConditionConfig.Load(WriteConfig(source, "unet")), RandomSeed,
            ParseDType(source.DType), ParseDevice(source.Device));
        try
        {
            return new TorchUNetModel(source.Name, model);
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    /// <inheritdoc/>
    public IVaeModel LoadVae(ModelSource source)
    {
        ArgumentNullException.ThrowIfNull(source);
        if (source.ModelDirectory is { } dir)
            return TorchVaeModel.Load(dir, ParseDevice(source.Device), ParseDType(source.DType));
        var model = AutoencoderKL.CreateRandom(AutoencoderKLConfig.Load(WriteConfig(source, "vae")), RandomSeed,
            ParseDType(source.DType), ParseDevice(source.Device));
        try
        {
            return new TorchVaeModel(source.Name, model);
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }
}
