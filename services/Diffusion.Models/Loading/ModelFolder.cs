using System.Text.Json;

namespace Diffusion.Models.Loading;

/// <summary>A diffusers pipeline folder: <c>model_index.json</c> naming the components, one subfolder
/// per component (<c>tokenizer/</c>, <c>text_encoder/</c>, <c>unet/</c>, <c>vae/</c>, <c>scheduler/</c>).
/// Opening checks that every component the index lists as present has its folder.</summary>
public sealed class ModelFolder
{
    /// <summary>The index file every diffusers pipeline folder has.</summary>
    public const string IndexFileName = "model_index.json";

    private readonly Dictionary<string, ModelComponent> _components;

    private ModelFolder(string root, string? pipelineClass, Dictionary<string, ModelComponent> components)
    {
        Root = root;
        PipelineClass = pipelineClass;
        _components = components;
    }

    /// <summary>The folder (full path).</summary>
    public string Root { get; }

    /// <summary><c>_class_name</c> of model_index.json ("StableDiffusionPipeline"), null when absent.</summary>
    public string? PipelineClass { get; }

    /// <summary>Every entry of model_index.json (present or <c>[null, null]</c>), by name.</summary>
    public IReadOnlyDictionary<string, ModelComponent> Components => _components;

    /// <summary><c>tokenizer/</c>.</summary>
    public string TokenizerPath => ComponentPath("tokenizer");

    /// <summary><c>text_encoder/</c>.</summary>
    public string TextEncoderPath => ComponentPath("text_encoder");

    /// <summary><c>unet/</c>.</summary>
    public string UNetPath => ComponentPath("unet");

    /// <summary><c>vae/</c>.</summary>
    public string VaePath => ComponentPath("vae");

    /// <summary><c>scheduler/</c>.</summary>
    public string SchedulerPath => ComponentPath("scheduler");

    /// <summary><c>scheduler/scheduler_config.json</c> (checked to exist).</summary>
    public string SchedulerConfigPath => RequireFile(Path.Combine(SchedulerPath, "scheduler_config.json"));

    /// <summary>Opens <paramref name="dir"/>.</summary>
    /// <exception cref="ModelLoadException">The folder, model_index.json or a listed component folder is
    /// missing, or the index is malformed; the message names the path.</exception>
    public static ModelFolder Open(string dir)
    {
        ArgumentNullException.ThrowIfNull(dir);
        var root = Path.GetFullPath(dir);
        if (!Directory.Exists(root)) throw new ModelLoadException(root, "model folder not found");
        var indexPath = RequireFile(Path.Combine(root, IndexFileName));
        var components = new Dictionary<string, ModelComponent>(StringComparer.Ordinal);
        string? pipelineClass = null;
        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllBytes(indexPath));
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
                throw new ModelLoadException(indexPath, "the JSON root is not an object");
            foreach (var prop in doc.RootElement.EnumerateObject())
            {
                if (prop.Name == "_class_name" && prop.Value.ValueKind == JsonValueKind.String)
                    pipelineClass = prop.Value.GetString();
                // Components are the [library, class] pairs; "_diffusers_version", flags etc. are not.
                if (prop.Name.StartsWith('_') || prop.Value.ValueKind != JsonValueKind.Array) continue;
                var items = prop.Value.EnumerateArray().ToArray();
                if (items.Length != 2 || items.Any(i => i.ValueKind is not (JsonValueKind.String or JsonValueKind.Null)))
                    throw new ModelLoadException(indexPath, $"component {prop.Name} = {prop.Value.GetRawText()} is not [library, class]");
                components[prop.Name] = new ModelComponent(prop.Name, items[0].GetString(), items[1].GetString());
            }
        }
        catch (JsonException e)
        {
            throw new ModelLoadException(indexPath, $"malformed JSON: {e.Message}", e);
        }
        foreach (var c in components.Values.Where(c => c.IsPresent))
        {
            var sub = Path.Combine(root, c.Name);
            if (!Directory.Exists(sub))
                throw new ModelLoadException(sub, $"component folder of {c.Name} ({c.Library}.{c.ClassName}) listed in {IndexFileName} not found");
        }
        return new ModelFolder(root, pipelineClass, components);
    }

    /// <summary>The subfolder of component <paramref name="name"/>; throws when the index does not list it
    /// as present.</summary>
    public string ComponentPath(string name)
    {
        if (!_components.TryGetValue(name, out var c) || !c.IsPresent)
            throw new ModelLoadException(Path.Combine(Root, IndexFileName), $"component {name} is not listed (or is null)");
        return Path.Combine(Root, name);
    }

    /// <summary>The weight file of component <paramref name="name"/> (see <see cref="WeightFiles.Resolve"/>).</summary>
    public string WeightPath(string name, string? variant = null) => WeightFiles.Resolve(ComponentPath(name), variant);

    private static string RequireFile(string path) =>
        File.Exists(path) ? path : throw new ModelLoadException(path, "file not found");
}
