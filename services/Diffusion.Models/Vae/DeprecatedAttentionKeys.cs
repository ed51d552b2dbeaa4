using System.Text.RegularExpressions;
using Diffusion.Torch;
using Diffusion.Torch.Nn;

namespace Diffusion.Models.Vae;

/// <summary>Presents a checkpoint saved with diffusers' deprecated VAE <c>AttentionBlock</c> names
/// (<c>…attentions.0.query/key/value/proj_attn</c>, Linear [C, C]) under the current names
/// (<c>to_q/to_k/to_v/to_out.0</c>), as diffusers' <c>_convert_deprecated_attention_blocks</c> does on
/// load. Keys already in the current spelling pass through unchanged. Does not own the inner source.</summary>
public sealed partial class DeprecatedAttentionKeys : IStateDictSource
{
    private readonly IStateDictSource _inner;
    private readonly Dictionary<string, string> _currentToStored = new(StringComparer.Ordinal);

    /// <summary>Wraps <paramref name="inner"/>.</summary>
    public DeprecatedAttentionKeys(IStateDictSource inner)
    {
        _inner = inner ?? throw new ArgumentNullException(nameof(inner));
        foreach (var key in inner.Keys)
        {
            var m = DeprecatedName().Match(key);
            var current = m.Success ? m.Groups[1].Value + Rename(m.Groups[2].Value) + "." + m.Groups[3].Value : key;
            _currentToStored[current] = key;
        }
    }

    /// <summary>True when <paramref name="source"/> holds any deprecated attention key.</summary>
    public static bool Applies(IStateDictSource source)
    {
        ArgumentNullException.ThrowIfNull(source);
        return source.Keys.Any(k => DeprecatedName().IsMatch(k));
    }

    private static string Rename(string old) => old switch
    {
        "query" => "to_q",
        "key" => "to_k",
        "value" => "to_v",
        _ => "to_out.0", // proj_attn
    };

    [GeneratedRegex(@"^(.*\.attentions\.\d+\.)(query|key|value|proj_attn)\.(weight|bias)$")]
    private static partial Regex DeprecatedName();

    /// <inheritdoc/>
    public IEnumerable<string> Keys => _currentToStored.Keys;

    /// <inheritdoc/>
    public bool TryGetInfo(string key, out TensorInfo info)
    {
        if (_currentToStored.TryGetValue(key, out var stored)) return _inner.TryGetInfo(stored, out info);
        info = default;
        return false;
    }

    /// <inheritdoc/>
    public void ReadInto(string key, Tensor destination) => _inner.ReadInto(Stored(key), destination);

    /// <inheritdoc/>
    public Tensor Load(string key, ScalarType? dtype = null, Device? device = null) => _inner.Load(Stored(key), dtype, device);

    private string Stored(string key) =>
        _currentToStored.TryGetValue(key, out var stored) ? stored : throw new KeyNotFoundException($"no tensor '{key}'");
}
