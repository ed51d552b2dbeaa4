// Loopback round-trip latency: our client and server against grpcio's, in one run.
//   scripts/bench-grpc.sh [--iterations N] [--warmup N] [--rounds N] [--json FILE]
// Scenarios: unary with a 64 KiB and a 1 MiB payload each way, and a server stream of 100 x 16 KiB.
// Pairs: ours->ours and grpcio->grpcio (the comparison), plus ours->grpcio and grpcio->ours, each
// server in its own process. The pairs take turns in rounds and their samples are pooled, so a
// busy moment on the machine lands on all of them alike.
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Diffusion.Grpc.Client;
using Diffusion.Grpc.Testing;
using Grpc.Testing;

if (args.Contains("--serve"))
{
    // Child mode: our server in its own process, as grpcio's server is in its own.
    await using var server = await TestServerHost.StartAsync(new InteropTestService().Map);
    Console.WriteLine($"LISTENING {server.Port}");
    await Console.In.ReadToEndAsync();
    return;
}

var iterations = IntOption("--iterations", 100);
var warmup = IntOption("--warmup", 20);
var rounds = Math.Max(1, IntOption("--rounds", 5));
var perRound = Math.Max(1, iterations / rounds);
var jsonPath = Option("--json");

var scenarios = new (string Name, string Label)[]
{
    ("unary_64k", "unary 64 KiB"),
    ("unary_1m", "unary 1 MiB"),
    ("stream_100x16k", "stream 100 x 16 KiB"),
};

Console.WriteLine($"gRPC loopback latency: median of {perRound * rounds} calls in {rounds} interleaved rounds, {warmup} warm-up calls per round ({Environment.ProcessorCount} cores)");

using var ourServer = await OurServerProcess.StartAsync();
await using var grpcioServer = await PeerProcess.StartServerAsync(PeerKind.Grpcio);

string[] pairs = ["ours->ours", "grpcio->grpcio", "ours->grpcio", "grpcio->ours"];
var samples = pairs.ToDictionary(p => p, _ => scenarios.ToDictionary(s => s.Name, _ => new List<double>()));
for (var round = 0; round < rounds; round++)
{
    foreach (var pair in pairs)
    {
        var measured = pair switch
        {
            "ours->ours" => await RunOursAsync(ourServer.Address),
            "grpcio->grpcio" => await RunGrpcioAsync(grpcioServer.Target),
            "ours->grpcio" => await RunOursAsync(new Uri($"http://{grpcioServer.Target}")),
            _ => await RunGrpcioAsync($"127.0.0.1:{ourServer.Port}"),
        };
        foreach (var (name, values) in measured)
        {
            samples[pair][name].AddRange(values);
        }
    }
}

var results = samples.ToDictionary(p => p.Key, p => p.Value.ToDictionary(s => s.Key, s => Stats.Of(s.Value)));

Console.WriteLine();
Console.WriteLine($"{"scenario",-22}{"ours (us)",12}{"grpcio (us)",14}{"ours/grpcio",13}{"ours->grpcio",14}{"grpcio->ours",14}");
foreach (var (name, label) in scenarios)
{
    var ours = results["ours->ours"][name].MedianUs;
    var theirs = results["grpcio->grpcio"][name].MedianUs;
    Console.WriteLine($"{label,-22}{ours,12:F0}{theirs,14:F0}{ours / theirs,13:F2}{results["ours->grpcio"][name].MedianUs,14:F0}{results["grpcio->ours"][name].MedianUs,14:F0}");
}

if (jsonPath is not null)
{
    var document = new
    {
        calls = perRound * rounds,
        rounds,
        warmup,
        processors = Environment.ProcessorCount,
        results,
        ratios = scenarios.ToDictionary(s => s.Name, s => results["ours->ours"][s.Name].MedianUs / results["grpcio->grpcio"][s.Name].MedianUs),
    };
    await File.WriteAllTextAsync(jsonPath, JsonSerializer.Serialize(document, new JsonSerializerOptions { WriteIndented = true }));
    Console.WriteLine($"wrote {jsonPath}");
}

async Task<Dictionary<string, double[]>> RunOursAsync(Uri address)
{
    using var channel = GrpcChannel.ForAddress(address);
    var invoker = channel.CallInvoker;
    var stats = new Dictionary<string, double[]>();
    foreach (var (size, name) in new[] { (64 * 1024, "unary_64k"), (1024 * 1024, "unary_1m") })
    {
        var request = new SimpleRequest { ResponseSize = size, Payload = new Payload { Body = InteropTestService.Payload(size) } };
        stats[name] = await TimeAsync(() => invoker.UnaryAsync(InteropMethods.UnaryCall, request, CallOptions.WithTimeout(TimeSpan.FromSeconds(30))));
    }

    var streamRequest = new StreamingOutputCallRequest();
    streamRequest.ResponseParameters.AddRange(Enumerable.Range(0, 100).Select(_ => new ResponseParameters { Size = 16 * 1024 }));
    stats["stream_100x16k"] = await TimeAsync(async () =>
    {
        using var call = invoker.ServerStreaming(InteropMethods.StreamingOutputCall, streamRequest, CallOptions.WithTimeout(TimeSpan.FromSeconds(30)));
        var count = 0;
        await foreach (var _ in call.ReadAllAsync())
        {
            count++;
        }

        if (count != 100)
        {
            throw new InvalidOperationException($"{count} messages");
        }
    });
    return stats;
}

async Task<Dictionary<string, double[]>> RunGrpcioAsync(string target)
{
    var result = await PeerProcess.RunClientAsync(PeerKind.Grpcio,
        ["bench", "--target", target, "--iterations", perRound.ToString(CultureInfo.InvariantCulture), "--warmup", warmup.ToString(CultureInfo.InvariantCulture)],
        TimeSpan.FromMinutes(10));
    var line = result.Lines.LastOrDefault(l => l.StartsWith('{'))
        ?? throw new InvalidOperationException($"grpcio bench printed no result (exit {result.ExitCode}): {result.Stderr}");
    return JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(line)!.ToDictionary(
        kv => kv.Key,
        kv => kv.Value.GetProperty("samples_us").EnumerateArray().Select(v => v.GetDouble()).ToArray());
}

async Task<double[]> TimeAsync(Func<Task> call)
{
    for (var i = 0; i < warmup; i++)
    {
        await call();
    }

    var samples = new double[perRound];
    for (var i = 0; i < perRound; i++)
    {
        var start = Stopwatch.GetTimestamp();
        await call();
        samples[i] = Stopwatch.GetElapsedTime(start).TotalMicroseconds;
    }

    return samples;
}

string? Option(string name)
{
    var index = Array.IndexOf(args, name);
    return index >= 0 && index + 1 < args.Length ? args[index + 1] : null;
}

int IntOption(string name, int fallback) => Option(name) is { } value ? int.Parse(value, CultureInfo.InvariantCulture) : fallback;

/// <summary>This program in --serve mode: our server in a child process, killed when the run ends.</summary>
internal sealed class OurServerProcess : IDisposable
{
    private readonly Process _process;

    private OurServerProcess(Process process, int port)
    {
        _process = process;
        Port = port;
    }

    public int Port { get; }

    public Uri Address => new($"http://127.0.0.1:{Port}");

    public static async Task<OurServerProcess> StartAsync()
    {
        var info = new ProcessStartInfo(Environment.ProcessPath!)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(typeof(OurServerProcess).Assembly.Location);
        info.ArgumentList.Add("--serve");
        var process = Process.Start(info)!;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (await process.StandardOutput.ReadLineAsync(timeout.Token) is { } line)
        {
            if (line.StartsWith("LISTENING ", StringComparison.Ordinal))
            {
                return new OurServerProcess(process, int.Parse(line["LISTENING ".Length..], CultureInfo.InvariantCulture));
            }
        }

        process.Kill(entireProcessTree: true);
        throw new InvalidOperationException("our server process exited before listening");
    }

    public void Dispose()
    {
        _process.StandardInput.Close();
        if (!_process.WaitForExit(5000))
        {
            _process.Kill(entireProcessTree: true);
        }

        _process.Dispose();
    }
}

internal sealed record Stats(
    [property: System.Text.Json.Serialization.JsonPropertyName("median_us")] double MedianUs,
    [property: System.Text.Json.Serialization.JsonPropertyName("p90_us")] double P90Us,
    [property: System.Text.Json.Serialization.JsonPropertyName("mean_us")] double MeanUs)
{
    public static Stats Of(IReadOnlyCollection<double> samples)
    {
        var sorted = samples.Order().ToArray();
        var median = sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
        return new Stats(median, sorted[Math.Max(0, (int)Math.Ceiling(sorted.Length * 0.9) - 1)], sorted.Average());
    }
}
