namespace Diffusion.Gateway.Options;

/// <summary>Where API keys come from. With no key configured anywhere, authentication is off
/// (logged at start-up).</summary>
public sealed class AuthOptions
{
    /// <summary>A file with one key per line (blank lines and lines starting with '#' ignored).</summary>
    public string ApiKeysFile { get; set; } = "";

    /// <summary>Name of an environment variable holding keys separated by commas or whitespace.</summary>
    public string ApiKeysVariable { get; set; } = "GATEWAY_API_KEYS";
}
