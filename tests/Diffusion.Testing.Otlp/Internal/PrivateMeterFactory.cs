using System.Diagnostics.Metrics;

namespace Diffusion.Testing.Otlp.Internal;

/// <summary>
/// The receiver's own Kestrel and hosting layer create meters such as
/// <c>Microsoft.AspNetCore.Hosting</c> through <see cref="IMeterFactory"/>. A MeterProvider in the
/// code under test that listens to those names would count the receiver's requests as the
/// service's; this factory renames every meter it creates so nobody's listener matches them.
/// </summary>
internal sealed class PrivateMeterFactory : IMeterFactory
{
    public const string MeterNamePrefix = "OtlpReceiver.Private.";

    private readonly Lock _gate = new();
    private readonly List<Meter> _meters = [];

    public Meter Create(MeterOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var meter = new Meter(new MeterOptions(MeterNamePrefix + options.Name)
        {
            Version = options.Version,
            Tags = options.Tags,
            Scope = this,
        });
        lock (_gate)
        {
            _meters.Add(meter);
        }

        return meter;
    }

    public void Dispose()
    {
        lock (_gate)
        {
            foreach (var meter in _meters)
            {
                meter.Dispose();
            }

            _meters.Clear();
        }
    }
}
