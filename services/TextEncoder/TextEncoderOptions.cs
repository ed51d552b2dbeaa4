namespace Diffusion.TextEncoder;

/// <summary>Options of the text encoder, from the configuration section <c>Diffusion:TextEncoder</c>.</summary>
public sealed class TextEncoderOptions
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "Diffusion:TextEncoder";

    /// <summary><c>CacheCapacity</c>: prompt encodings kept (least recently used evicted first);
    /// 0 disables the cache. Default 1024 (about 1024 x 77 x 768 x 4 B = 240 MB at SD 1.5 size).</summary>
    public int CacheCapacity { get; set; } = 1024;

    /// <exception cref="InvalidOperationException">A value is negative (names the key).</exception>
    public void Validate()
    {
        if (CacheCapacity < 0)
            throw new InvalidOperationException($"Configuration {SectionName}:CacheCapacity: {CacheCapacity} is negative.");
    }
}
