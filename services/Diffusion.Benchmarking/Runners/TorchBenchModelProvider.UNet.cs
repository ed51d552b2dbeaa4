using Diffusion.Models.UNet;

namespace Diffusion.Benchmarking.Runners;

public sealed partial class TorchBenchModelProvider
{
    /// <inheritdoc/>
    public IUNetForward LoadUNetForward(ModelSource source, int rows, int latentSize)
    {
        ArgumentNullException.ThrowIfNull(source);
        var model = LoadUNetModule(source);
        try
        {
            return new TorchUNetForward(source.Name, model, rows, latentSize, source.DType);
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    /// <summary>The UNet module: from the model folder, or the embedded config with random weights.</summary>
    private static UNet2DConditionModel LoadUNetModule(ModelSource source)
    {
        var device = ParseDevice(source.Device);
        var dtype = ParseDType(source.DType);
        if (source.ModelDirectory is { } dir)
            return UNet2DConditionModel.Load(Models.Loading.ModelFolder.Open(dir).UNetPath, dtype, device);
        return UNet2DConditionModel.CreateRandom(UNet2DConditionConfig.Load(WriteConfig(source, "unet")), RandomSeed, dtype, device);
    }
}
