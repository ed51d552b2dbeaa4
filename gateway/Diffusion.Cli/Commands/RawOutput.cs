using System.Runtime.InteropServices;
using Diffusion.Contracts;
using Diffusion.Contracts.V1;
using Diffusion.Torch;
using Diffusion.Torch.Safetensors;
using Google.Protobuf;

namespace Diffusion.Cli.Commands;

/// <summary>The parity flags' files, with the key names of ../shared/reference/pipelines:
/// `--latents` reads `latents_in`; `--raw-out` writes `image` (F32 NHWC in [0, 1]) and `final_latents`.</summary>
internal static class RawOutput
{
    public static Diffusion.Contracts.V1.Tensor ReadLatents(string path)
    {
        using var file = SafetensorsFile.Open(path);
        if (!file.Contains("latents_in"))
            throw new ArgumentException($"{path} has no tensor 'latents_in' (it has: {string.Join(", ", file.Keys)})");
        var entry = file.GetEntry("latents_in");
        if (entry.Dtype != ScalarType.Float32)
            throw new ArgumentException($"'latents_in' in {path} is {entry.Dtype}; F32 is required");
        var bytes = file.GetBytes("latents_in");
        return Tensors.Create(DType.F32, bytes, entry.Shape);
    }

    public static void Write(string path, GenerateResponse response)
    {
        if (response.RawImage is null || response.FinalLatents is null)
            throw new InvalidOperationException("the gateway did not return the raw image and final latents");
        using var image = FromMessage(response.RawImage);
        using var latents = FromMessage(response.FinalLatents);
        SafetensorsWriter.Write(path, [new("image", image), new("final_latents", latents)],
            new Dictionary<string, string> { ["format"] = "pt", ["description"] = "diffusion generate --raw-out" });
    }

    private static Diffusion.Torch.Tensor FromMessage(Diffusion.Contracts.V1.Tensor t)
    {
        TensorValidation.Validate(t, "raw output", allowed: [DType.F32]);
        var floats = MemoryMarshal.Cast<byte, float>(t.Data.Span);
        return Diffusion.Torch.Tensor.FromSpan<float>(floats, [.. t.Shape]);
    }
}
