using System.CommandLine;
using System.Diagnostics;
using System.Text.Json;
using Diffusion.Models.Clip;
using Diffusion.Models.UNet;
using Diffusion.Models.Vae;
using Diffusion.Tokenizers;
using Diffusion.Torch;

namespace Diffusion.Cli.Commands;

/// <summary>
/// `diffusion eval COMPONENT --model DIR --inputs IN --out OUT.safetensors`: runs one model component on
/// given inputs and writes its outputs, with the key names of ../shared/reference, so the same files
/// check us against diffusers/transformers (or any other implementation).
/// </summary>
internal static class EvalCommand
{
    public static readonly string[] Components = ["tokenizer", "text-encoder", "unet", "vae-decode", "vae-encode"];

    public static Command Create()
    {
        var component = new Argument<string>("component")
        {
            Description = "tokenizer (prompts.json -> input_ids), text-encoder (input_ids -> last_hidden_state, pooler_output, " +
                "penultimate_hidden_state), unet (sample, timesteps, encoder_hidden_states -> out), vae-decode (decode_input -> decoded), " +
                "vae-encode (encode_input -> latent_dist_mean, latent_dist_logvar).",
        };
        component.AcceptOnlyFromAmong(Components);
        var model = new Option<string>("--model") { Description = "Diffusers model folder.", Required = true };
        var inputs = new Option<string>("--inputs") { Description = "Input file: a JSON list of prompts (tokenizer) or a safetensors file.", Required = true };
        var output = new Option<string>("--out") { Description = "Output safetensors file.", Required = true };
        var device = new Option<string>("--device") { Description = "cpu or cuda[:N].", DefaultValueFactory = _ => "cpu" };
        var dtype = new Option<string>("--dtype") { Description = "f32, f16 or bf16 (outputs are written as F32).", DefaultValueFactory = _ => "f32" };
        dtype.AcceptOnlyFromAmong("f32", "f16", "bf16");
        var cmd = new Command("eval", "Run one model component on reference inputs and write its outputs (parity checks).")
        {
            component, model, inputs, output, device, dtype,
        };
        cmd.SetAction((parse, ct) =>
        {
            try
            {
                var sw = Stopwatch.StartNew();
                var written = Run(parse.GetValue(component)!, parse.GetValue(model)!, parse.GetValue(inputs)!, parse.GetValue(output)!,
                    Device.Parse(parse.GetValue(device)!), ParseDType(parse.GetValue(dtype)!));
                Console.Error.WriteLine($"eval {parse.GetValue(component)}: wrote {string.Join(", ", written)} to {parse.GetValue(output)} " +
                    $"in {sw.Elapsed.TotalSeconds:0.00} s");
                return Task.FromResult(0);
            }
            catch (Exception e) when (e is ArgumentException or IOException or InvalidDataException or JsonException
                or Diffusion.Models.Loading.ModelLoadException or Diffusion.Torch.Safetensors.SafetensorsFormatException or TorchException)
            {
                Console.Error.WriteLine($"error: {e.Message}");
                return Task.FromResult(2);
            }
        });
        return cmd;
    }

    internal static ScalarType ParseDType(string dtype) => dtype switch
    {
        "f32" => ScalarType.Float32,
        "f16" => ScalarType.Float16,
        "bf16" => ScalarType.BFloat16,
        _ => throw new ArgumentException($"unknown dtype '{dtype}' (use f32, f16 or bf16)"),
    };

    /// <summary>Runs <paramref name="component"/> and writes its outputs; returns the keys written.</summary>
    internal static IReadOnlyList<string> Run(string component, string modelDir, string inputsPath, string outPath, Device device, ScalarType dtype)
    {
        if (!Directory.Exists(modelDir)) throw new ArgumentException($"--model: no folder {modelDir}");
        if (!File.Exists(inputsPath)) throw new ArgumentException($"--inputs: no file {inputsPath}");
        using var scope = TensorScope.Enter();
        var outputs = component switch
        {
            "tokenizer" => Tokenize(modelDir, inputsPath),
            "text-encoder" => EncodeText(modelDir, inputsPath, device, dtype),
            "unet" => RunUNet(modelDir, inputsPath, device, dtype),
            "vae-decode" => VaeDecode(modelDir, inputsPath, device, dtype),
            "vae-encode" => VaeEncode(modelDir, inputsPath, device, dtype),
            _ => throw new ArgumentException($"unknown component '{component}' (use {string.Join(", ", Components)})"),
        };
        var cpu = outputs.Select(kv => new KeyValuePair<string, Tensor>(kv.Key,
            kv.Value.Dtype == ScalarType.Int64 ? kv.Value.To(Device.Cpu) : kv.Value.To(Device.Cpu, ScalarType.Float32).Contiguous())).ToList();
        string? dir = Path.GetDirectoryName(Path.GetFullPath(outPath));
        if (dir is not null) Directory.CreateDirectory(dir);
        Diffusion.Torch.Safetensors.SafetensorsWriter.Write(outPath, cpu,
            new Dictionary<string, string> { ["format"] = "pt", ["description"] = $"diffusion eval {component}", ["dtype"] = dtype.ToString() });
        return [.. cpu.Select(kv => kv.Key)];
    }

    private static List<KeyValuePair<string, Tensor>> Tokenize(string modelDir, string inputsPath)
    {
        string[] prompts;
        try { prompts = JsonSerializer.Deserialize<string[]>(File.ReadAllText(inputsPath)) ?? []; }
        catch (JsonException e) { throw new ArgumentException($"--inputs: {inputsPath} must be a JSON list of strings ({e.Message})"); }
        if (prompts.Length == 0) throw new ArgumentException($"--inputs: {inputsPath} holds no prompts");
        var tokenizer = ClipTokenizer.FromDirectory(Path.Combine(modelDir, "tokenizer"));
        var encodings = tokenizer.EncodeBatch(prompts);
        int length = encodings[0].InputIds.Length;
        var ids = new long[prompts.Length * length];
        for (int i = 0; i < encodings.Length; i++) encodings[i].ToInt64().CopyTo(ids, i * length);
        return [new("input_ids", Tensor.FromArray(ids, prompts.Length, length))];
    }

    private static List<KeyValuePair<string, Tensor>> EncodeText(string modelDir, string inputsPath, Device device, ScalarType dtype)
    {
        using var inputs = Diffusion.Torch.Safetensors.SafetensorsFile.Open(inputsPath);
        var ids = Input(inputs, "input_ids", ScalarType.Int64, device, rank: 2);
        using var model = ClipTextModel.Load(Path.Combine(modelDir, "text_encoder"), dtype, device);
        var output = model.Forward(ids, outputHiddenStates: true);
        if (output.HiddenStates is not { Count: >= 2 } hidden)
            throw new InvalidOperationException("the text encoder returned no hidden states");
        return
        [
            new("last_hidden_state", output.LastHiddenState),
            new("pooler_output", output.PoolerOutput),
            new("penultimate_hidden_state", hidden[^2]),
        ];
    }

    private static List<KeyValuePair<string, Tensor>> RunUNet(string modelDir, string inputsPath, Device device, ScalarType dtype)
    {
        using var inputs = Diffusion.Torch.Safetensors.SafetensorsFile.Open(inputsPath);
        var sample = Input(inputs, "sample", dtype, device, rank: 4);
        var context = Input(inputs, "encoder_hidden_states", dtype, device, rank: 3);
        Require(inputs, "timesteps");
        var info = inputs.GetEntry("timesteps");
        if (info.Shape.Length > 1) throw new ArgumentException($"'timesteps' must be 0-d or [B]; it is [{string.Join(", ", info.Shape)}]");
        var timesteps = inputs.Load("timesteps", info.Dtype == ScalarType.Int64 ? ScalarType.Int64 : ScalarType.Float32, device);
        using var model = UNet2DConditionModel.Load(Path.Combine(modelDir, "unet"), dtype, device);
        return [new("out", model.Forward(sample, timesteps, context))];
    }

    private static List<KeyValuePair<string, Tensor>> VaeDecode(string modelDir, string inputsPath, Device device, ScalarType dtype)
    {
        using var inputs = Diffusion.Torch.Safetensors.SafetensorsFile.Open(inputsPath);
        var z = Input(inputs, "decode_input", dtype, device, rank: 4);
        using var vae = AutoencoderKL.Load(Path.Combine(modelDir, "vae"), dtype, device);
        return [new("decoded", vae.Decode(z))];
    }

    private static List<KeyValuePair<string, Tensor>> VaeEncode(string modelDir, string inputsPath, Device device, ScalarType dtype)
    {
        using var inputs = Diffusion.Torch.Safetensors.SafetensorsFile.Open(inputsPath);
        var x = Input(inputs, "encode_input", dtype, device, rank: 4);
        using var vae = AutoencoderKL.Load(Path.Combine(modelDir, "vae"), dtype, device);
        var (mean, logVar) = vae.Encode(x);
        return [new("latent_dist_mean", mean), new("latent_dist_logvar", logVar)];
    }

    private static void Require(Diffusion.Torch.Safetensors.SafetensorsFile file, string key)
    {
        if (!file.Contains(key))
            throw new ArgumentException($"--inputs: {file.Path} has no tensor '{key}' (it has: {string.Join(", ", file.Keys.Order())})");
    }

    private static Tensor Input(Diffusion.Torch.Safetensors.SafetensorsFile file, string key, ScalarType dtype, Device device, int rank)
    {
        Require(file, key);
        var shape = file.GetEntry(key).Shape;
        if (shape.Length != rank)
            throw new ArgumentException($"'{key}' must have rank {rank}; it is [{string.Join(", ", shape)}]");
        return file.Load(key, dtype, device);
    }
}
