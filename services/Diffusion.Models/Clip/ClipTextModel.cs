using Diffusion.Models.Loading;
using Diffusion.Torch;
using Diffusion.Torch.Nn;

namespace Diffusion.Models.Clip;

/// <summary>transformers <c>CLIPTextModel</c>: state-dict keys <c>text_model.embeddings.*</c>,
/// <c>text_model.encoder.layers.N.*</c>, <c>text_model.final_layer_norm.*</c>.</summary>
public sealed class ClipTextModel : Module
{
    private readonly ClipTextTransformer _textModel;

    /// <summary>Creates the model with zero weights of <paramref name="dtype"/> on <paramref name="device"/>.</summary>
    public ClipTextModel(ClipTextConfig config, ScalarType dtype = ScalarType.Float32, Device? device = null)
    {
        Config = config ?? throw new ArgumentNullException(nameof(config));
        _textModel = RegisterModule("text_model", new ClipTextTransformer(config, dtype, device));
    }

    /// <summary>The configuration.</summary>
    public ClipTextConfig Config { get; }

    /// <summary>The inner transformer (for final_layer_norm in clip skip).</summary>
    public ClipTextTransformer TextModel => _textModel;

    /// <summary>Loads a <c>text_encoder/</c> folder: config.json and the weight file chosen by
    /// <see cref="WeightFiles.Resolve"/> (fp16 files are converted to <paramref name="dtype"/>), strictly;
    /// only the legacy <c>text_model.embeddings.position_ids</c> buffer may be extra.</summary>
    /// <exception cref="ModelLoadException">Missing/unsupported config or no weights.</exception>
    /// <exception cref="StateDictLoadException">Weights with missing, extra or mis-shaped keys.</exception>
    public static ClipTextModel Load(string textEncoderDir, ScalarType dtype = ScalarType.Float32, Device? device = null, string? variant = null)
    {
        ArgumentNullException.ThrowIfNull(textEncoderDir);
        var config = ClipTextConfig.Load(Path.Combine(textEncoderDir, "config.json"));
        var weights = WeightFiles.Resolve(textEncoderDir, variant);
        var model = new ClipTextModel(config, dtype, device);
        try
        {
            var source = WeightFiles.Open(weights);
            try
            {
                model.LoadStateDict(source, strict: true, ignoreUnexpected: IsIgnoredKey);
            }
            finally
            {
                (source as IDisposable)?.Dispose();
            }
            return model;
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    /// <summary>transformers' <c>_keys_to_ignore_on_load_unexpected</c> for CLIP: the position_ids buffer
    /// older checkpoints (and SD1.5's) store.</summary>
    public static bool IsIgnoredKey(string key) => key.EndsWith("position_ids", StringComparison.Ordinal);

    /// <summary>Runs the model; see <see cref="ClipTextTransformer.Forward"/>.</summary>
    public ClipTextOutput Forward(Tensor inputIds, bool outputHiddenStates = false) =>
        _textModel.Forward(inputIds, outputHiddenStates);
}
