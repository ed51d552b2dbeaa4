using System.Reflection;
using System.Text.RegularExpressions;
using Diffusion.Gateway.Options;
using Diffusion.Hosting;
using Diffusion.Testing;
using Microsoft.Extensions.Configuration;

namespace Diffusion.Deployment.Tests.Support;

/// <summary>
/// Checks environment variables set by the deployment files against what the services read:
/// "__" keys are configuration paths resolved on the real options classes; OTEL_* variables must
/// be ones Diffusion.ServiceDefaults reads; ASPNETCORE_URLS is ASP.NET Core's "urls" (the model
/// services' listen address, services/Diffusion.Hosting/ListenEndpoint.cs).
/// </summary>
internal static partial class ConfigKeys
{
    // Section -> options class, as the services bind them (each class's SectionName).
    private static readonly Dictionary<string, Type> ModelSections = new(StringComparer.OrdinalIgnoreCase)
    {
        [ServiceHostOptions.SectionName] = typeof(ServiceHostOptions),
        [RequestLimits.SectionName] = typeof(RequestLimits),
        [Diffusion.TextEncoder.TextEncoderOptions.SectionName] = typeof(Diffusion.TextEncoder.TextEncoderOptions),
        [Diffusion.Denoiser.DenoiserOptions.SectionName] = typeof(Diffusion.Denoiser.DenoiserOptions),
        [Diffusion.VaeCodec.VaeCodecOptions.SectionName] = typeof(Diffusion.VaeCodec.VaeCodecOptions),
    };

    private static readonly Dictionary<string, Type> GatewaySections = new(StringComparer.OrdinalIgnoreCase)
    {
        [GatewayOptions.SectionName] = typeof(GatewayOptions),
    };

    private static readonly Lazy<string> ServiceDefaultsSource = new(() => string.Join("\n",
        Directory.EnumerateFiles(Path.Combine(TestPaths.RepoRoot, "services/Diffusion.ServiceDefaults"), "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .Select(File.ReadAllText)));

    private static readonly Lazy<string> TorchSource = new(() => string.Join("\n",
        Directory.EnumerateFiles(Path.Combine(TestPaths.RepoRoot, "services/Diffusion.Torch"), "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .Select(File.ReadAllText)));

    /// <summary>The configuration path of an environment variable ("__" = ":").</summary>
    public static string ToPath(string variable) => variable.Replace("__", ":", StringComparison.Ordinal);

    /// <summary>
    /// Fails unless every variable in <paramref name="env"/> is read by <paramref name="service"/>.
    /// <paramref name="extra"/> names variables that exist only to be interpolated into others
    /// (Kubernetes' <c>$(POD_NAME)</c>).
    /// </summary>
    public static void AssertKnown(ServiceInfo service, IReadOnlyDictionary<string, string> env, string where)
    {
        var sections = service.IsModelService ? ModelSections : GatewaySections;
        foreach (var (key, _) in env)
        {
            if (key.Contains("__", StringComparison.Ordinal))
            {
                string? problem = Resolve(sections, ToPath(key));
                Assert.True(problem is null, $"{where}: {key}: {problem}");
            }
            else if (key.StartsWith("OTEL_", StringComparison.Ordinal))
            {
                Assert.True(IsOtelVariableRead(key), $"{where}: {key} is not read by services/Diffusion.ServiceDefaults");
            }
            else if (key == "ASPNETCORE_URLS")
            {
                Assert.True(service.IsModelService, $"{where}: the gateway listens on Gateway:Port, not ASPNETCORE_URLS");
            }
            else if (key == "DIFFUSION_NUM_THREADS")
            {
                // libtorch's intra-op threads (services/Diffusion.Torch/Native/NativeLibraryLoader.cs).
                Assert.True(service.IsModelService && TorchSource.Value.Contains('"' + key + '"', StringComparison.Ordinal),
                    $"{where}: {key} is read by services/Diffusion.Torch only");
            }
            else if (key == "ASPNETCORE_HTTP_PORTS" || key.StartsWith("DOTNET_", StringComparison.Ordinal) || key.StartsWith("NVIDIA_", StringComparison.Ordinal) || key == "LD_LIBRARY_PATH")
            {
                // Runtime/driver settings of the image, not service configuration.
            }
            else if (key == new AuthOptions().ApiKeysVariable)
            {
                Assert.False(service.IsModelService, $"{where}: {key} is the gateway's API key variable");
            }
            else
            {
                bool interpolated = env.Values.Any(v => v.Contains($"$({key})", StringComparison.Ordinal));
                Assert.True(interpolated, $"{where}: {key} is read by nothing (not a configuration key, OTEL_* or ASPNETCORE_URLS)");
            }
        }
    }

    /// <summary>Binds the "__" variables of <paramref name="env"/> like the service does and runs its validation.</summary>
    public static void AssertValid(ServiceInfo service, IReadOnlyDictionary<string, string> env, string where)
    {
        var config = new ConfigurationBuilder()
            .AddInMemoryCollection(env.Where(p => p.Key.Contains("__", StringComparison.Ordinal))
                .Select(p => new KeyValuePair<string, string?>(ToPath(p.Key), p.Value)))
            .Build();
        try
        {
            if (service.IsModelService)
            {
                (config.GetSection(ServiceHostOptions.SectionName).Get<ServiceHostOptions>() ?? new ServiceHostOptions()).Validate();
                (config.GetSection(RequestLimits.SectionName).Get<RequestLimits>() ?? new RequestLimits()).Validate();
            }
            else
            {
                (config.GetSection(GatewayOptions.SectionName).Get<GatewayOptions>() ?? new GatewayOptions()).Validate();
            }
        }
        catch (InvalidOperationException e)
        {
            Assert.Fail($"{where}: {e.Message}");
        }
    }

    /// <summary>Null when <paramref name="path"/> names a settable option, else why not.</summary>
    private static string? Resolve(Dictionary<string, Type> sections, string path)
    {
        var section = sections.Keys.Where(s => path.StartsWith(s + ":", StringComparison.OrdinalIgnoreCase))
            .OrderByDescending(s => s.Length).FirstOrDefault();
        if (section is null)
            return $"no options class binds a section of '{path}' (known: {string.Join(", ", sections.Keys)})";
        var type = sections[section];
        var parts = path[(section.Length + 1)..].Split(':');
        for (int i = 0; i < parts.Length; i++)
        {
            var property = type.GetProperty(parts[i], BindingFlags.Public | BindingFlags.Instance | BindingFlags.IgnoreCase);
            if (property is null || !property.CanWrite)
                return $"{type.Name} has no settable property '{parts[i]}'";
            type = property.PropertyType;
            bool isList = type.IsGenericType && type.GetGenericTypeDefinition() == typeof(List<>);
            if (isList && i + 1 < parts.Length && int.TryParse(parts[i + 1], out _))
            {
                type = type.GetGenericArguments()[0];
                i++;
            }
        }
        return null;
    }

    private static bool IsOtelVariableRead(string variable)
    {
        string source = ServiceDefaultsSource.Value;
        if (source.Contains('"' + variable + '"', StringComparison.Ordinal) || source.Contains(variable + '"', StringComparison.Ordinal)
            || source.Contains(variable + " ", StringComparison.Ordinal) || source.Contains(variable + ",", StringComparison.Ordinal))
            return true;
        // Names built per signal in SignalExportSettings: OTEL_{signal}_EXPORTER, OTEL_EXPORTER_OTLP_{signal}_{setting}.
        var m = SignalExporter().Match(variable);
        return m.Success && source.Contains("$\"OTEL_{signal}_EXPORTER\"", StringComparison.Ordinal);
    }

    [GeneratedRegex("^OTEL_(TRACES|METRICS|LOGS)_EXPORTER$")]
    private static partial Regex SignalExporter();
}
