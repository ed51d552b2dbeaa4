using System.Security.Cryptography;
using System.Text;
using Diffusion.Gateway.Options;

namespace Diffusion.Gateway.Security;

/// <summary>
/// The accepted API keys, kept only as SHA-256 hashes. A presented key is hashed and compared
/// with every accepted hash by <see cref="CryptographicOperations.FixedTimeEquals"/>: hashing
/// first makes the comparison length-independent, and checking all entries without an early exit
/// keeps the time independent of which key (if any) matched.
/// </summary>
public sealed class ApiKeyStore
{
    private readonly byte[][] _hashes;

    /// <summary>Takes the keys as given (each trimmed; empty ones ignored).</summary>
    public ApiKeyStore(IEnumerable<string> keys)
    {
        ArgumentNullException.ThrowIfNull(keys);
        _hashes = keys.Select(k => k.Trim()).Where(k => k.Length > 0).Distinct(StringComparer.Ordinal)
            .Select(k => SHA256.HashData(Encoding.UTF8.GetBytes(k))).ToArray();
    }

    /// <summary>Whether any key is configured; without one, authentication is off.</summary>
    public bool Enabled => _hashes.Length > 0;

    /// <summary>How many distinct keys are accepted.</summary>
    public int Count => _hashes.Length;

    /// <summary>Loads the keys from <see cref="AuthOptions.ApiKeysFile"/> (one per line, '#' comments)
    /// and the variable <see cref="AuthOptions.ApiKeysVariable"/> (separated by commas or whitespace).</summary>
    /// <exception cref="InvalidOperationException">The configured file cannot be read.</exception>
    public static ApiKeyStore Load(AuthOptions options, Func<string, string?>? getEnvironmentVariable = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        getEnvironmentVariable ??= Environment.GetEnvironmentVariable;
        var keys = new List<string>();
        if (!string.IsNullOrWhiteSpace(options.ApiKeysFile))
        {
            string[] lines;
            try
            {
                lines = File.ReadAllLines(options.ApiKeysFile);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                throw new InvalidOperationException($"Configuration Gateway:Auth:ApiKeysFile: cannot read '{options.ApiKeysFile}': {ex.Message}", ex);
            }
            keys.AddRange(lines.Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith('#')));
        }
        if (!string.IsNullOrWhiteSpace(options.ApiKeysVariable) && getEnvironmentVariable(options.ApiKeysVariable) is { } value)
            keys.AddRange(value.Split([',', ' ', '\t', '\n', '\r'], StringSplitOptions.RemoveEmptyEntries));
        return new ApiKeyStore(keys);
    }

    /// <summary>Whether <paramref name="authorization"/> ("Bearer &lt;key&gt;") carries an accepted key.
    /// Always true when authentication is off.</summary>
    public bool IsAuthorized(string? authorization)
    {
        if (!Enabled)
            return true;
        const string scheme = "Bearer ";
        if (authorization is null || authorization.Length <= scheme.Length
            || !authorization.StartsWith(scheme, StringComparison.OrdinalIgnoreCase))
            return false;
        var presented = SHA256.HashData(Encoding.UTF8.GetBytes(authorization[scheme.Length..].Trim()));
        bool match = false;
        foreach (var hash in _hashes)
            match |= CryptographicOperations.FixedTimeEquals(hash, presented);
        return match;
    }
}
