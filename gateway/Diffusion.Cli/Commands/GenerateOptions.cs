namespace Diffusion.Cli.Commands;

/// <summary>What `diffusion generate` was asked to do.</summary>
internal sealed record GenerateOptions
{
    public required string Prompt { get; init; }
    public string NegativePrompt { get; init; } = "";
    public int Steps { get; init; }
    public float? Guidance { get; init; }
    public string Scheduler { get; init; } = "";
    public long? Seed { get; init; }
    public int Width { get; init; }
    public int Height { get; init; }
    public int NumImages { get; init; } = 1;
    public FileInfo? InitImage { get; init; }
    public float Strength { get; init; } = 0.8f;
    public FileInfo? Mask { get; init; }
    public int ClipSkip { get; init; }
    public string? Model { get; init; }
    public string Out { get; init; } = "out.png";
    public bool Grid { get; init; }
    public string? Gateway { get; init; }
    public string? ApiKey { get; init; }
    public FileInfo? Latents { get; init; }
    public FileInfo? RawOut { get; init; }
    public string Device { get; init; } = "cpu";
    public string DType { get; init; } = "f32";
    public TimeSpan Timeout { get; init; } = TimeSpan.FromMinutes(30);
    public bool ChunkLongPrompts { get; init; }
}
