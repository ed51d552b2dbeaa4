using Diffusion.Models.UNet;
using Diffusion.Pipelines.Models;
using Diffusion.Torch;

namespace Diffusion.Benchmarking.Runners;

/// <summary>Our engine's UNet2DConditionModel with fixed random inputs on its device: <see cref="Run"/> is exactly
/// <c>unet(sample, timesteps, encoder_hidden_states)</c>, the forward the yardstick times in PyTorch.</summary>
internal sealed class TorchUNetForward : IUNetForward
{
    private const int Tokens = 77;
    private readonly UNet2DConditionModel _model;
    private readonly Tensor _sample;
    private readonly Tensor _timesteps;
    private readonly Tensor _context;
    private readonly Device _device;

    /// <summary>Takes ownership of <paramref name="model"/>.</summary>
    public TorchUNetForward(string name, UNet2DConditionModel model, int rows, int latentSize, string dtypeName)
    {
        _model = model;
        _device = model.Device;
        var c = model.Config;
        ParameterCount = model.ParameterCount;
        Info = new UNetInfo(name, c.InChannels, c.OutChannels, c.SampleSize, c.CrossAttentionDim[0], _device.ToString(), dtypeName);
        _sample = Tensor.FromArray(GaussianData.Create(rows * c.InChannels * latentSize * latentSize, seed: 1),
            [rows, c.InChannels, latentSize, latentSize], _device, model.Dtype);
        _timesteps = Tensor.FromArray(Enumerable.Repeat(500L, rows).ToArray(), [rows], _device);
        _context = Tensor.FromArray(GaussianData.Create(rows * Tokens * c.CrossAttentionDim[0], seed: 2),
            [rows, Tokens, c.CrossAttentionDim[0]], _device, model.Dtype);
    }

    public UNetInfo Info { get; }

    public long ParameterCount { get; }

    public double Run()
    {
        using var scope = TensorScope.Enter();
        var output = _model.Forward(_sample, _timesteps, _context);
        // Item() copies a scalar back, which waits for a CUDA device to finish the forward.
        return output.Abs().Amax().Item();
    }

    public void Dispose()
    {
        _sample.Dispose();
        _timesteps.Dispose();
        _context.Dispose();
        _model.Dispose();
    }
}
