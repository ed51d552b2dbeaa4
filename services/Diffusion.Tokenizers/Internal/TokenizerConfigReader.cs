using System.Text.Json;

namespace Diffusion.Tokenizers.Internal;

/// <summary>
/// Resolves <see cref="ClipTokenizerConfig"/> from a diffusers <c>tokenizer/</c> folder the way
/// transformers 4.39 PreTrainedTokenizerBase._from_pretrained does.
/// </summary>
internal static class TokenizerConfigReader
{
    private static readonly string[] s_specialKeys = ["bos_token", "eos_token", "unk_token", "pad_token"];

    public static ClipTokenizerConfig Read(string directory)
    {
        var configPath = Path.Combine(directory, "tokenizer_config.json");
        using var configDoc = ParseJson(configPath, required: true)!;
        var config = configDoc.RootElement;
        if (config.ValueKind != JsonValueKind.Object)
            throw new TokenizerLoadException(configPath, "expected a JSON object.");

        var specials = new Dictionary<string, AddedToken?>(StringComparer.Ordinal);
        foreach (var key in s_specialKeys)
        {
            if (config.TryGetProperty(key, out var value))
                specials[key] = ReadToken(configPath, key, value, special: true);
        }
        var additional = config.TryGetProperty("additional_special_tokens", out var extra)
            ? ReadTokenList(configPath, extra) : [];

        var added = new Dictionary<int, AddedToken>();
        if (config.TryGetProperty("added_tokens_decoder", out var decoder))
        {
            // Current format: the added tokens and their flags live in tokenizer_config.json and
            // transformers ignores special_tokens_map.json.
            if (decoder.ValueKind != JsonValueKind.Object)
                throw new TokenizerLoadException(configPath, "added_tokens_decoder must be an object.");
            foreach (var entry in decoder.EnumerateObject())
            {
                if (!int.TryParse(entry.Name, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var id))
                    throw new TokenizerLoadException(configPath, $"added_tokens_decoder key '{entry.Name}' is not a token id.");
                added[id] = ReadToken(configPath, "added_tokens_decoder." + entry.Name, entry.Value, special: false)
                    ?? throw new TokenizerLoadException(configPath, $"added_tokens_decoder.{entry.Name} is null.");
            }
        }
        else
        {
            // Legacy format: special_tokens_map.json overrides the special tokens of the config.
            var mapPath = Path.Combine(directory, "special_tokens_map.json");
            using var mapDoc = ParseJson(mapPath, required: false);
            if (mapDoc is not null)
            {
                foreach (var entry in mapDoc.RootElement.EnumerateObject())
                {
                    if (entry.Name == "additional_special_tokens")
                        additional = [.. additional, .. ReadTokenList(mapPath, entry.Value).Where(t => additional.All(a => a.Content != t.Content))];
                    else if (Array.IndexOf(s_specialKeys, entry.Name) >= 0)
                        specials[entry.Name] = ReadToken(mapPath, entry.Name, entry.Value, special: true);
                }
            }

            var addedPath = Path.Combine(directory, "added_tokens.json");
            using var addedDoc = ParseJson(addedPath, required: false);
            if (addedDoc is not null)
            {
                var specialContents = specials.Values.Where(t => t is not null).Select(t => t!.Content)
                    .Concat(additional.Select(t => t.Content)).ToHashSet(StringComparer.Ordinal);
                foreach (var entry in addedDoc.RootElement.EnumerateObject())
                {
                    if (entry.Value.ValueKind != JsonValueKind.Number || !entry.Value.TryGetInt32(out var id))
                        throw new TokenizerLoadException(addedPath, $"'{entry.Name}' must map to an integer id.");
                    var special = specialContents.Contains(entry.Name);
                    added[id] = new AddedToken(entry.Name, Normalized: !special, Special: special);
                }
            }
        }

        // A special token whose content is also an added token takes that token's flags
        // (transformers' added_tokens_map substitution).
        var byContent = added.Values.GroupBy(t => t.Content).ToDictionary(g => g.Key, g => g.Last(), StringComparer.Ordinal);
        AddedToken Resolve(string key, string fallback)
        {
            // An absent key means CLIPTokenizer's constructor default.
            var token = specials.TryGetValue(key, out var declared) ? declared : new AddedToken(fallback);
            if (token is null)
                throw new TokenizerLoadException(configPath,
                    $"{key} is null; a CLIP tokenizer needs bos, eos, unk and pad tokens to build padded prompts.");
            return byContent.TryGetValue(token.Content, out var flagged) ? flagged with { Special = true } : token;
        }

        var defaults = new ClipTokenizerConfig();
        return new ClipTokenizerConfig
        {
            BosToken = Resolve("bos_token", defaults.BosToken.Content),
            EosToken = Resolve("eos_token", defaults.EosToken.Content),
            UnkToken = Resolve("unk_token", defaults.UnkToken.Content),
            PadToken = Resolve("pad_token", defaults.PadToken.Content),
            AdditionalSpecialTokens = additional,
            AddedTokens = added,
            ModelMaxLength = ReadMaxLength(configPath, config),
        };
    }

    private static int ReadMaxLength(string path, JsonElement config)
    {
        if (!config.TryGetProperty("model_max_length", out var value) || value.ValueKind == JsonValueKind.Null)
            return ClipTokenizerConfig.DefaultModelMaxLength;
        if (value.ValueKind != JsonValueKind.Number || !value.TryGetDouble(out var length) || length < 3 || length != Math.Floor(length))
            throw new TokenizerLoadException(path, $"model_max_length must be an integer of at least 3, not {value.GetRawText()}.");
        // transformers writes int(1e30) when a model states no limit; CLIP's context is 77.
        return length > 1_000_000 ? ClipTokenizerConfig.DefaultModelMaxLength : (int)length;
    }

    private static AddedToken? ReadToken(string path, string key, JsonElement value, bool special)
    {
        switch (value.ValueKind)
        {
            case JsonValueKind.Null:
                return null;
            case JsonValueKind.String:
                return new AddedToken(value.GetString()!, Special: special);
            case JsonValueKind.Object:
                if (!value.TryGetProperty("content", out var content) || content.ValueKind != JsonValueKind.String)
                    throw new TokenizerLoadException(path, $"{key} has no string \"content\".");
                return new AddedToken(
                    content.GetString()!,
                    LStrip: Flag(path, key, value, "lstrip", false),
                    RStrip: Flag(path, key, value, "rstrip", false),
                    SingleWord: Flag(path, key, value, "single_word", false),
                    Normalized: Flag(path, key, value, "normalized", !special),
                    Special: Flag(path, key, value, "special", special) || special);
            default:
                throw new TokenizerLoadException(path, $"{key} must be a string, an AddedToken object or null, not {value.ValueKind}.");
        }
    }

    private static bool Flag(string path, string key, JsonElement token, string name, bool fallback)
    {
        if (!token.TryGetProperty(name, out var flag))
            return fallback;
        return flag.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => throw new TokenizerLoadException(path, $"{key}.{name} must be true or false."),
        };
    }

    private static List<AddedToken> ReadTokenList(string path, JsonElement value)
    {
        if (value.ValueKind == JsonValueKind.Null)
            return [];
        if (value.ValueKind != JsonValueKind.Array)
            throw new TokenizerLoadException(path, "additional_special_tokens must be a list.");
        return value.EnumerateArray()
            .Select((v, i) => ReadToken(path, $"additional_special_tokens[{i}]", v, special: true)
                ?? throw new TokenizerLoadException(path, $"additional_special_tokens[{i}] is null."))
            .ToList();
    }

    /// <summary>Parses a JSON file; null when it is optional and absent.</summary>
    public static JsonDocument? ParseJson(string path, bool required)
    {
        if (!File.Exists(path))
        {
            if (!required) return null;
            throw new TokenizerLoadException(path, "file not found.");
        }
        try
        {
            using var stream = File.OpenRead(path);
            return JsonDocument.Parse(stream);
        }
        catch (JsonException e)
        {
            throw new TokenizerLoadException(path, $"invalid JSON ({e.Message}).", e);
        }
    }
}
