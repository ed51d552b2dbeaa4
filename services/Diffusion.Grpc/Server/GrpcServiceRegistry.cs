namespace Diffusion.Grpc.Server;

/// <summary>The services and methods mapped on this server (reflection lists them).</summary>
internal sealed class GrpcServiceRegistry
{
    private readonly object _gate = new();
    private readonly SortedSet<string> _services = new(StringComparer.Ordinal);

    public bool FallbackMapped { get; set; }

    public void AddService(string serviceName)
    {
        lock (_gate)
        {
            _services.Add(serviceName);
        }
    }

    public IReadOnlyList<string> Services
    {
        get
        {
            lock (_gate)
            {
                return [.. _services];
            }
        }
    }
}
