using System.Globalization;

namespace Diffusion.HealthProbe;

/// <summary>
/// The probe's command line: <c>--addr URL</c> (required, e.g. <c>http://127.0.0.1:50052</c>),
/// <c>--service NAME</c> (the grpc.health.v1 service name; default "" = the whole server) and
/// <c>--timeout SECONDS</c> (the call's deadline; default 3).
/// </summary>
public sealed record ProbeArguments(Uri Address, string Service, TimeSpan Timeout)
{
    /// <summary>Parses <paramref name="args"/>; throws <see cref="ArgumentException"/> with a usage message.</summary>
    public static ProbeArguments Parse(IReadOnlyList<string> args)
    {
        ArgumentNullException.ThrowIfNull(args);
        Uri? address = null;
        string service = "";
        var timeout = TimeSpan.FromSeconds(3);
        for (int i = 0; i < args.Count; i++)
        {
            string value = i + 1 < args.Count ? args[i + 1] : throw Usage($"{args[i]} needs a value");
            switch (args[i])
            {
                case "--addr":
                    if (!Uri.TryCreate(value, UriKind.Absolute, out address) || (address.Scheme != Uri.UriSchemeHttp && address.Scheme != Uri.UriSchemeHttps))
                        throw Usage($"--addr '{value}' must be http://host:port or https://host:port");
                    break;
                case "--service":
                    service = value;
                    break;
                case "--timeout":
                    if (!double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out double seconds) || !(seconds > 0))
                        throw Usage($"--timeout '{value}' must be a positive number of seconds");
                    timeout = TimeSpan.FromSeconds(seconds);
                    break;
                default:
                    throw Usage($"unknown argument '{args[i]}'");
            }
            i++;
        }
        return new ProbeArguments(address ?? throw Usage("--addr is required"), service, timeout);
    }

    private static ArgumentException Usage(string problem) =>
        new($"{problem}. Usage: Diffusion.HealthProbe --addr http://127.0.0.1:PORT [--service NAME] [--timeout SECONDS]");
}
