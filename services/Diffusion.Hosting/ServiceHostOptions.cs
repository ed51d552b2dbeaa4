namespace Diffusion.Hosting;

/// <summary>Options every model service reads from the configuration section <c>Diffusion</c>
/// (appsettings.json, <c>Diffusion__X</c> environment variables, <c>--Diffusion:X=value</c> arguments).</summary>
public sealed class ServiceHostOptions
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "Diffusion";

    /// <summary><c>Diffusion:ModelPath</c>: the diffusers model folder (the CLI's <c>--model</c>). Required.</summary>
    public string? ModelPath { get; set; }

    /// <summary><c>Diffusion:Device</c>: cpu, cuda or cuda:N. Default cpu.</summary>
    public string Device { get; set; } = "cpu";

    /// <summary><c>Diffusion:DType</c>: f32, f16 or bf16. Default f32.</summary>
    public string DType { get; set; } = "f32";

    /// <summary><c>Diffusion:Listen</c>: the URL to listen on, e.g. <c>http://0.0.0.0:50052</c>
    /// (h2c; port 0 picks a free port). The standard <c>--urls</c> takes precedence. Default: every
    /// interface on the service's default port.</summary>
    public string? Listen { get; set; }

    /// <summary><c>Diffusion:DrainTimeoutSeconds</c>: on SIGTERM the service reports NOT_SERVING and
    /// lets calls in flight finish for at most this long before they are cancelled. Default 30.</summary>
    public double DrainTimeoutSeconds { get; set; } = 30;

    /// <summary><c>Diffusion:MaxReceiveMessageBytes</c>: largest request message; larger is
    /// RESOURCE_EXHAUSTED. Default 64 MiB (a batch of 1024x1024 PNGs, or embeddings of many prompts).</summary>
    public int MaxReceiveMessageBytes { get; set; } = 64 << 20;

    /// <summary>Checks the values; returns the parsed placement.</summary>
    /// <exception cref="InvalidOperationException">A value is unusable (the message names the key).</exception>
    public ModelPlacement Validate()
    {
        if (string.IsNullOrWhiteSpace(ModelPath))
            throw new InvalidOperationException("Configuration Diffusion:ModelPath is required: the diffusers model folder (--model DIR).");
        if (!(DrainTimeoutSeconds >= 0 && DrainTimeoutSeconds <= 3600))
            throw new InvalidOperationException($"Configuration Diffusion:DrainTimeoutSeconds: {DrainTimeoutSeconds} is not in [0, 3600].");
        if (MaxReceiveMessageBytes < 1024)
            throw new InvalidOperationException($"Configuration Diffusion:MaxReceiveMessageBytes: {MaxReceiveMessageBytes} is below 1024.");
        return ModelPlacement.Parse(Device, DType);
    }
}
