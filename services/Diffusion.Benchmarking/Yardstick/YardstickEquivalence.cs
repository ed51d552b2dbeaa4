using System.Globalization;
using Diffusion.Benchmarking.Runners;
using Diffusion.Models.UNet;
using Diffusion.Torch;
using Diffusion.Torch.Safetensors;

namespace Diffusion.Benchmarking.Yardstick;

/// <summary>Outcome of <see cref="YardstickEquivalence.RunAsync"/>.</summary>
/// <param name="MaxAbsDiffDefault">Largest |engine - PyTorch (default attention)| over the output.</param>
/// <param name="MaxAbsDiffSliced">Largest |engine - PyTorch (sliced attention)| over the output.</param>
/// <param name="MaxAbsOutput">Largest |output| (the scale the differences compare against).</param>
/// <param name="Tolerance">The bound both differences must stay within.</param>
public sealed record EquivalenceResult(double MaxAbsDiffDefault, double MaxAbsDiffSliced, double MaxAbsOutput, double Tolerance)
{
    /// <summary>Whether both attention modes agree with the engine within <see cref="Tolerance"/>.</summary>
    public bool Passed => MaxAbsDiffDefault <= Tolerance && MaxAbsDiffSliced <= Tolerance;
}

/// <summary>Proves the yardstick and our engine compute the same UNet forward: the yardstick builds a small-config UNet with
/// PyTorch's init and writes its weights as a diffusers folder; our engine loads that folder; both run the same inputs
/// (written by us with our safetensors writer) and the outputs of UNet2DConditionModel.Forward are compared. Then the full-size timings are apples to apples.</summary>
public static class YardstickEquivalence
{
    /// <summary>Runs the check on the embedded <paramref name="architecture"/> UNet config ("tiny" by default).</summary>
    /// <param name="architecture">Embedded config to use.</param>
    /// <param name="latentSize">Latent height and width of the inputs.</param>
    /// <param name="tolerance">Max abs difference allowed (1e-4: fp32 with different summation orders).</param>
    /// <param name="log">Progress lines.</param>
    /// <param name="cancellationToken">Stops the Python child.</param>
    public static async Task<EquivalenceResult> RunAsync(string architecture = "tiny", int latentSize = 16,
        double tolerance = 1e-4, Action<string>? log = null, CancellationToken cancellationToken = default)
    {
        var root = Path.Combine(Path.GetTempPath(), "diffusion-equivalence-" + Guid.NewGuid().ToString("N"));
        try
        {
            var unetDir = Path.Combine(root, "unet");
            var config = ModelConfigs.WriteTo(unetDir, architecture, "unet");
            File.Move(config, Path.Combine(unetDir, "config.json"));
            File.WriteAllText(Path.Combine(root, "model_index.json"),
                "{\"_class_name\": \"StableDiffusionPipeline\", \"unet\": [\"diffusers\", \"UNet2DConditionModel\"]}\n");
            var configJson = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(unetDir, "config.json"))).RootElement;
            int inChannels = configJson.GetProperty("in_channels").GetInt32();
            int crossDim = configJson.GetProperty("cross_attention_dim").GetInt32();

            const int rows = 2, tokens = 77;
            long[] sampleShape = [rows, inChannels, latentSize, latentSize];
            var sample = GaussianData.Create(rows * inChannels * latentSize * latentSize, seed: 11);
            var context = GaussianData.Create(rows * tokens * crossDim, seed: 12);
            long[] timesteps = [999, 500];
            var inputs = Path.Combine(root, "inputs.safetensors");
            using (var s = Tensor.FromArray(sample, sampleShape))
            using (var t = Tensor.FromArray(timesteps, rows))
            using (var c = Tensor.FromArray(context, rows, tokens, crossDim))
            {
                SafetensorsWriter.Write(inputs, [new("sample", s), new("timesteps", t), new("encoder_hidden_states", c)]);
            }

            var outputs = Path.Combine(root, "outputs.safetensors");
            log?.Invoke($"equivalence: PyTorch builds the {architecture} UNet, writes its weights, runs default and sliced attention");
            await PythonYardstick.RunAsync(new YardstickRequest(Path.Combine(unetDir, "config.json"), ["default", "sliced"], rows, latentSize, tokens,
                0, 1, Math.Max(1, Diffusion.Torch.Torch.NumThreads), "f32", "cpu")
            {
                InputsPath = inputs,
                OutputPath = outputs,
                SaveWeightsPath = Path.Combine(unetDir, "diffusion_pytorch_model.safetensors"),
            }, log is null ? null : line => log("  [pytorch] " + line), cancellationToken).ConfigureAwait(false);

            log?.Invoke("equivalence: our engine loads the same weights and runs the same inputs");
            float[] ours;
            using (var unet = UNet2DConditionModel.Load(unetDir))
            using (var scope = TensorScope.Enter())
            {
                var output = unet.Forward(Tensor.FromArray(sample, sampleShape), Tensor.FromArray(timesteps, rows),
                    Tensor.FromArray(context, rows, tokens, crossDim));
                ours = output.ToArray<float>();
            }

            using var file = SafetensorsFile.Open(outputs);
            double diffDefault = MaxAbsDiff(ours, Read(file, "output_default"));
            double diffSliced = MaxAbsDiff(ours, Read(file, "output_sliced"));
            var result = new EquivalenceResult(diffDefault, diffSliced, ours.Max(MathF.Abs), tolerance);
            log?.Invoke(string.Create(CultureInfo.InvariantCulture,
                $"equivalence: max |diff| default {diffDefault:G3}, sliced {diffSliced:G3} (max |output| {result.MaxAbsOutput:G3}, tolerance {tolerance:G3}): {(result.Passed ? "same computation" : "DIFFERENT")}"));
            return result;
        }
        finally
        {
            if (Directory.Exists(root))
                Directory.Delete(root, recursive: true);
        }
    }

    private static float[] Read(SafetensorsFile file, string key)
    {
        using var t = file.Load(key, ScalarType.Float32);
        return t.ToArray<float>();
    }

    private static double MaxAbsDiff(float[] a, float[] b)
    {
        if (a.Length != b.Length)
            throw new InvalidOperationException($"output sizes differ: engine {a.Length}, PyTorch {b.Length}");
        double max = 0;
        for (int i = 0; i < a.Length; i++)
            max = Math.Max(max, Math.Abs((double)a[i] - b[i]));
        return max;
    }
}
