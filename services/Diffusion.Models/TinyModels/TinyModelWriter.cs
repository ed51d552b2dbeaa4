using System.Globalization;
using System.Text;
using System.Text.Json;
using Diffusion.Models.Clip;
using Diffusion.Torch;
using Diffusion.Torch.Nn;
using Diffusion.Torch.Safetensors;

namespace Diffusion.Models.TinyModels;

/// <summary>Writes a deterministic, randomly initialised tiny Stable Diffusion 1.x model as a complete
/// diffusers folder: model_index.json, tokenizer/ (a small vocabulary built in code), text_encoder/,
/// unet/ and vae/ (config.json + safetensors) and scheduler/ (SD 1.5's PNDM config). The UNet and VAE
/// have the structure of the shared reference tiny model (<see cref="UNetLayout"/>, <see cref="VaeLayout"/>
/// defaults), so every loader that handles it handles this one; the weights follow the reference's
/// initialisation scheme (<see cref="Init.RandomizeParameters"/>) from a seeded torch CPU generator.</summary>
public static class TinyModelWriter
{
    /// <summary>The text encoder's shape (vocab_size is the built tokenizer's).</summary>
    public static ClipTextConfig TextEncoderConfig(int vocabSize) => new()
    {
        VocabSize = vocabSize,
        HiddenSize = 32,
        IntermediateSize = 37,
        NumHiddenLayers = 3,
        NumAttentionHeads = 4,
        MaxPositionEmbeddings = 77,
        HiddenAct = "quick_gelu",
        LayerNormEps = 1e-5,
        // The legacy value of SD 1.5's config: pooled output at argmax(input_ids), i.e. at EOS.
        EosTokenId = 2,
        BosTokenId = 0,
        PadTokenId = 1,
    };

    /// <summary>Writes the model to <paramref name="dir"/>. The folder is assembled in
    /// <c>dir + ".tmp-&lt;pid&gt;"</c> and renamed into place, replacing any existing <paramref name="dir"/>,
    /// so a reader never sees a half-written model. The same <paramref name="seed"/> gives byte-identical files.</summary>
    public static void Write(string dir, int seed)
    {
        ArgumentException.ThrowIfNullOrEmpty(dir);
        var target = Path.GetFullPath(dir).TrimEnd(Path.DirectorySeparatorChar);
        var temp = target + ".tmp-" + Environment.ProcessId.ToString(CultureInfo.InvariantCulture);
        if (Directory.Exists(temp)) Directory.Delete(temp, recursive: true);
        Directory.CreateDirectory(temp);
        try
        {
            var vocabSize = WriteTokenizer(Path.Combine(temp, "tokenizer"));
            WriteTextEncoder(Path.Combine(temp, "text_encoder"), vocabSize, seed);
            var unet = new UNetLayout();
            WriteComponent(Path.Combine(temp, "unet"), unet.Config(), unet.Keys(), unchecked((ulong)seed + 1));
            var vae = new VaeLayout();
            WriteComponent(Path.Combine(temp, "vae"), vae.Config(), vae.Keys(), unchecked((ulong)seed + 2));
            WriteScheduler(Path.Combine(temp, "scheduler"));
            WriteJson(Path.Combine(temp, "model_index.json"), ModelIndex());
            if (Directory.Exists(target)) Directory.Delete(target, recursive: true);
            Directory.Move(temp, target);
        }
        catch
        {
            if (Directory.Exists(temp)) Directory.Delete(temp, recursive: true);
            throw;
        }
    }

    private static int WriteTokenizer(string dir)
    {
        Directory.CreateDirectory(dir);
        var (vocab, merges) = TinyTokenizerBuilder.Build();
        WriteJson(Path.Combine(dir, "vocab.json"), vocab.OrderBy(p => p.Value).Select(p => KeyValuePair.Create(p.Key, (object?)p.Value)).ToList());
        var text = new StringBuilder("#version: 0.2\n");
        foreach (var (left, right) in merges) text.Append(left).Append(' ').Append(right).Append('\n');
        File.WriteAllText(Path.Combine(dir, "merges.txt"), text.ToString(), new UTF8Encoding(false));
        var bos = vocab[TinyTokenizerBuilder.Bos];
        var eos = vocab[TinyTokenizerBuilder.Eos];
        static Dictionary<string, object?> Added(string content) => new()
        {
            ["content"] = content, ["lstrip"] = false, ["normalized"] = true, ["rstrip"] = false, ["single_word"] = false, ["special"] = true,
        };
        WriteJson(Path.Combine(dir, "tokenizer_config.json"),
        [
            new("added_tokens_decoder", new Dictionary<string, object?>
            {
                [bos.ToString(CultureInfo.InvariantCulture)] = Added(TinyTokenizerBuilder.Bos),
                [eos.ToString(CultureInfo.InvariantCulture)] = Added(TinyTokenizerBuilder.Eos),
            }),
            new("bos_token", TinyTokenizerBuilder.Bos),
            new("clean_up_tokenization_spaces", true),
            new("eos_token", TinyTokenizerBuilder.Eos),
            new("errors", "replace"),
            new("model_max_length", 77),
            new("pad_token", TinyTokenizerBuilder.Eos),
            new("tokenizer_class", "CLIPTokenizer"),
            new("unk_token", TinyTokenizerBuilder.Eos),
        ]);
        WriteJson(Path.Combine(dir, "special_tokens_map.json"),
        [
            new("bos_token", TinyTokenizerBuilder.Bos),
            new("eos_token", TinyTokenizerBuilder.Eos),
            new("pad_token", TinyTokenizerBuilder.Eos),
            new("unk_token", TinyTokenizerBuilder.Eos),
        ]);
        return vocab.Count;
    }

    private static void WriteTextEncoder(string dir, int vocabSize, int seed)
    {
        Directory.CreateDirectory(dir);
        var c = TextEncoderConfig(vocabSize);
        WriteJson(Path.Combine(dir, "config.json"),
        [
            new("architectures", new[] { "CLIPTextModel" }),
            new("attention_dropout", 0.0),
            new("bos_token_id", c.BosTokenId),
            new("eos_token_id", c.EosTokenId),
            new("hidden_act", c.HiddenAct),
            new("hidden_size", c.HiddenSize),
            new("initializer_factor", 1.0),
            new("initializer_range", 0.02),
            new("intermediate_size", c.IntermediateSize),
            new("layer_norm_eps", c.LayerNormEps),
            new("max_position_embeddings", c.MaxPositionEmbeddings),
            new("model_type", "clip_text_model"),
            new("num_attention_heads", c.NumAttentionHeads),
            new("num_hidden_layers", c.NumHiddenLayers),
            new("pad_token_id", c.PadTokenId),
            new("projection_dim", c.HiddenSize),
            new("torch_dtype", "float32"),
            new("transformers_version", "4.39.0.dev0"),
            new("vocab_size", c.VocabSize),
        ]);
        using var model = new ClipTextModel(c);
        using var generator = new Generator(unchecked((ulong)seed));
        Init.RandomizeParameters(model, generator);
        SafetensorsWriter.Write(Path.Combine(dir, "model.safetensors"), model.StateDict(), Metadata);
    }

    private static void WriteComponent(string dir, IReadOnlyList<KeyValuePair<string, object?>> config,
        IReadOnlyList<ParameterShape> keys, ulong seed)
    {
        Directory.CreateDirectory(dir);
        WriteJson(Path.Combine(dir, "config.json"), config);
        using var generator = new Generator(seed);
        var tensors = new List<KeyValuePair<string, Tensor>>(keys.Count);
        try
        {
            foreach (var (key, shape) in keys)
            {
                var t = Tensor.Empty(shape).DetachFromScope();
                tensors.Add(KeyValuePair.Create(key, t));
                // The reference scheme (Init.RandomizeParameters): matrices/kernels N(0, 1/fan_in), 1-D weights
                // (norm scales) 1 + 0.1 N(0, 1), biases 0.05 N(0, 1), so a swapped or skipped tensor shows.
                if (shape.Length >= 2)
                    Init.Normal(t, generator, 0, 1 / Math.Sqrt(Math.Max(1, t.NumEl / Math.Max(1, shape[0]))));
                else if (key.EndsWith("weight", StringComparison.Ordinal))
                    Init.Normal(t, generator, 1, 0.1);
                else
                    Init.Normal(t, generator, 0, 0.05);
            }
            SafetensorsWriter.Write(Path.Combine(dir, "diffusion_pytorch_model.safetensors"), tensors, Metadata);
        }
        finally
        {
            foreach (var t in tensors) t.Value.Dispose();
        }
    }

    private static void WriteScheduler(string dir)
    {
        Directory.CreateDirectory(dir);
        // SD 1.5's scheduler/scheduler_config.json (PNDM, skip_prk_steps, leading spacing, offset 1).
        WriteJson(Path.Combine(dir, "scheduler_config.json"),
        [
            new("_class_name", "PNDMScheduler"),
            new("_diffusers_version", "0.27.2"),
            new("beta_end", 0.012),
            new("beta_schedule", "scaled_linear"),
            new("beta_start", 0.00085),
            new("clip_sample", false),
            new("num_train_timesteps", 1000),
            new("prediction_type", "epsilon"),
            new("set_alpha_to_one", false),
            new("skip_prk_steps", true),
            new("steps_offset", 1),
            new("timestep_spacing", "leading"),
            new("trained_betas", null),
        ]);
    }

    private static List<KeyValuePair<string, object?>> ModelIndex() =>
    [
        new("_class_name", "StableDiffusionPipeline"),
        new("_diffusers_version", "0.27.2"),
        new("feature_extractor", new object?[] { null, null }),
        new("image_encoder", new object?[] { null, null }),
        new("requires_safety_checker", false),
        new("safety_checker", new object?[] { null, null }),
        new("scheduler", new[] { "diffusers", "PNDMScheduler" }),
        new("text_encoder", new[] { "transformers", "CLIPTextModel" }),
        new("tokenizer", new[] { "transformers", "CLIPTokenizer" }),
        new("unet", new[] { "diffusers", "UNet2DConditionModel" }),
        new("vae", new[] { "diffusers", "AutoencoderKL" }),
    ];

    private static readonly Dictionary<string, string> Metadata = new() { ["format"] = "pt" };

    private static readonly JsonSerializerOptions JsonOptions = new() { WriteIndented = true };

    private static void WriteJson(string path, IReadOnlyList<KeyValuePair<string, object?>> entries)
    {
        // An ordered dictionary keeps the keys in the order given (diffusers writes them sorted).
        var ordered = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var (k, v) in entries) ordered[k] = v;
        File.WriteAllText(path, JsonSerializer.Serialize(ordered, JsonOptions) + "\n", new UTF8Encoding(false));
    }
}
