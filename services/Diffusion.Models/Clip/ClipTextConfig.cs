using Diffusion.Models.Loading;

namespace Diffusion.Models.Clip;

/// <summary>transformers <c>CLIPTextConfig</c>: the options of <c>text_encoder/config.json</c> that
/// change the computation. Defaults are CLIPTextConfig's constructor defaults.</summary>
public sealed record ClipTextConfig
{
    /// <summary>Rows of the token embedding table.</summary>
    public int VocabSize { get; init; } = 49408;
    /// <summary>Width of every hidden state (D).</summary>
    public int HiddenSize { get; init; } = 512;
    /// <summary>Width of the MLP's hidden layer.</summary>
    public int IntermediateSize { get; init; } = 2048;
    /// <summary>Encoder layers.</summary>
    public int NumHiddenLayers { get; init; } = 12;
    /// <summary>Attention heads per layer (HiddenSize must divide by it).</summary>
    public int NumAttentionHeads { get; init; } = 8;
    /// <summary>Rows of the position embedding table: the longest input (77).</summary>
    public int MaxPositionEmbeddings { get; init; } = 77;
    /// <summary>"quick_gelu" (x·sigmoid(1.702x), SD1.x) or "gelu" (exact erf GELU, SD2.x OpenCLIP).</summary>
    public string HiddenAct { get; init; } = "quick_gelu";
    /// <summary>Epsilon of every LayerNorm.</summary>
    public double LayerNormEps { get; init; } = 1e-5;
    /// <summary>Selects the pooled position: 2 (legacy configs such as SD1.5's) means argmax(input_ids).</summary>
    public int EosTokenId { get; init; } = 49407;
    /// <summary>bos_token_id, informational.</summary>
    public int BosTokenId { get; init; } = 49406;
    /// <summary>pad_token_id, informational.</summary>
    public int PadTokenId { get; init; } = 1;

    /// <summary>Reads <paramref name="path"/> (a text_encoder/config.json).</summary>
    /// <exception cref="ModelLoadException">Missing file, wrong types, or an unsupported option
    /// (model type, activation, head split), naming the option and its value.</exception>
    public static ClipTextConfig Load(string path)
    {
        var json = ConfigJson.Load(path);
        var modelType = json.GetString("model_type", "clip_text_model");
        if (modelType is not ("clip_text_model" or "clip"))
            throw json.Unsupported("model_type", "only CLIPTextModel (clip_text_model) is implemented");
        var config = new ClipTextConfig
        {
            VocabSize = json.GetInt("vocab_size", 49408),
            HiddenSize = json.GetInt("hidden_size", 512),
            IntermediateSize = json.GetInt("intermediate_size", 2048),
            NumHiddenLayers = json.GetInt("num_hidden_layers", 12),
            NumAttentionHeads = json.GetInt("num_attention_heads", 8),
            MaxPositionEmbeddings = json.GetInt("max_position_embeddings", 77),
            HiddenAct = json.GetString("hidden_act", "quick_gelu")!,
            LayerNormEps = json.GetDouble("layer_norm_eps", 1e-5),
            EosTokenId = json.GetInt("eos_token_id", 49407),
            BosTokenId = json.GetInt("bos_token_id", 49406),
            PadTokenId = json.GetInt("pad_token_id", 1),
        };
        // diffusers passes the tokenizer's attention_mask only when the config sets use_attention_mask;
        // this encoder implements the SD 1.x/2.x path (causal mask only, padding attended to).
        if (json.GetBool("use_attention_mask", false))
            throw json.Unsupported("use_attention_mask", "padding attention masks are not implemented");
        if (config.HiddenAct is not ("quick_gelu" or "gelu"))
            throw json.Unsupported("hidden_act", "supported: quick_gelu, gelu");
        if (config.HiddenSize <= 0 || config.NumAttentionHeads <= 0 || config.HiddenSize % config.NumAttentionHeads != 0)
            throw json.Unsupported("num_attention_heads", $"hidden_size {config.HiddenSize} must be a positive multiple of it");
        if (config.NumHiddenLayers <= 0) throw json.Unsupported("num_hidden_layers", "must be positive");
        if (config.MaxPositionEmbeddings <= 0) throw json.Unsupported("max_position_embeddings", "must be positive");
        return config;
    }
}
