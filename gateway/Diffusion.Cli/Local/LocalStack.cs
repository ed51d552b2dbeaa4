namespace Diffusion.Cli.Local;

/// <summary>TextEncoder, Denoiser, VaeCodec and the gateway as four local processes on free
/// loopback ports: started, health-checked, and stopped cleanly.</summary>
internal sealed class LocalStack : IAsyncDisposable
{
    private readonly List<ServiceProcess> _processes = [];
    private string[] _modelArgs = [];
    private IReadOnlyDictionary<string, string>? _environment;

    public string GatewayUrl { get; private set; } = "";
    public IReadOnlyList<ServiceProcess> Processes => _processes;

    /// <summary>The Denoiser replicas (one unless asked for more).</summary>
    public IEnumerable<ServiceProcess> Denoisers => _processes.Where(p => p.Name == "denoiser");

    /// <param name="denoiserReplicas">Denoiser processes behind the gateway (it balances and fails over between them).</param>
    public static async Task<LocalStack> StartAsync(string modelDir, string device, string dtype, Action<string> report,
        TimeSpan timeout, CancellationToken cancellationToken, IReadOnlyDictionary<string, string>? environment = null,
        int denoiserReplicas = 1, IEnumerable<string>? gatewayArgs = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(denoiserReplicas, 1);
        var stack = new LocalStack();
        try
        {
            string[] modelArgs = ["--model", modelDir, "--device", device, "--dtype", dtype];
            stack._modelArgs = modelArgs;
            stack._environment = environment;
            var encoder = ServiceProcess.Start("text-encoder", modelArgs, environment);
            stack._processes.Add(encoder);
            var denoisers = new List<ServiceProcess>();
            for (int i = 0; i < denoiserReplicas; i++)
            {
                denoisers.Add(ServiceProcess.Start("denoiser", modelArgs, environment));
                stack._processes.Add(denoisers[^1]);
            }
            var vae = ServiceProcess.Start("vae-codec", modelArgs, environment);
            stack._processes.Add(vae);
            string denoiserUrls = string.Join(",", denoisers.Select(d => d.Url));
            report($"starting text-encoder ({encoder.Url}), denoiser ({denoiserUrls}), vae-codec ({vae.Url}) ...");
            await Task.WhenAll(stack._processes.Select(p => p.WaitHealthyAsync(timeout, cancellationToken)));
            var gateway = ServiceProcess.Start("gateway",
                ["--text-encoder", encoder.Url, "--denoiser", denoiserUrls, "--vae-codec", vae.Url, .. gatewayArgs ?? []], environment);
            stack._processes.Add(gateway);
            await gateway.WaitHealthyAsync(timeout, cancellationToken);
            stack.GatewayUrl = gateway.Url;
            report($"gateway ready at {gateway.Url}");
            return stack;
        }
        catch
        {
            await stack.DisposeAsync();
            throw;
        }
    }

    /// <summary>Starts a replacement for a dead model service at its address (the gateway keeps its
    /// configured addresses and re-admits the replica once it is healthy) and waits for its health.</summary>
    public async Task<ServiceProcess> ReplaceAsync(ServiceProcess dead, TimeSpan timeout, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(dead);
        if (!dead.HasExited) throw new InvalidOperationException($"the {dead.Name} process at {dead.Url} is still running");
        int index = _processes.IndexOf(dead);
        if (index < 0) throw new ArgumentException("not a process of this stack", nameof(dead));
        await dead.DisposeAsync();
        var replacement = ServiceProcess.Start(dead.Name, _modelArgs, _environment, dead.Url);
        _processes[index] = replacement;
        await replacement.WaitHealthyAsync(timeout, cancellationToken);
        return replacement;
    }

    public async ValueTask DisposeAsync()
    {
        // Gateway first, then the model services.
        for (int i = _processes.Count - 1; i >= 0; i--) await _processes[i].DisposeAsync();
        _processes.Clear();
    }
}
