using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Diffusion.Torch;
using Diffusion.Torch.Benchmarks;

// Op-level benchmark of the engine (issue 4): conv2d and matmul GFLOP/s through our binding next to
// the same ops in PyTorch (same libtorch, same threads, same run), plus attention: ours fused vs
// ours math vs diffusers' default (math) and sliced attention on PyTorch.
//   dotnet Diffusion.Torch.Benchmarks.dll [--iters N] [--warmup N] [--rounds N] [--threads N] [--quick] [--no-torch] [--only SUBSTRING] [--dtype f32|bf16] [--json FILE]
int iters = 10, warmup = 2, rounds = 2, threads = Torch.NumThreads;
bool quick = false, runTorch = true;
var dtype = ScalarType.Float32;
string? jsonPath = null, only = null;
for (int i = 0; i < args.Length; i++)
{
    string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
    switch (args[i])
    {
        case "--iters": iters = int.Parse(Next(), CultureInfo.InvariantCulture); break;
        case "--warmup": warmup = int.Parse(Next(), CultureInfo.InvariantCulture); break;
        case "--rounds": rounds = int.Parse(Next(), CultureInfo.InvariantCulture); break;
        case "--threads": threads = int.Parse(Next(), CultureInfo.InvariantCulture); break;
        case "--quick": quick = true; break;
        case "--no-torch": runTorch = false; break;
        case "--json": jsonPath = Next(); break;
        case "--only": only = Next(); break;
        case "--dtype":
            dtype = Next() switch
            {
                "f32" => ScalarType.Float32,
                "bf16" => ScalarType.BFloat16,
                var other => throw new ArgumentException($"--dtype f32|bf16, got {other}"),
            };
            break;
        default:
            Console.Error.WriteLine($"unknown argument {args[i]}");
            return 2;
    }
}
Torch.SetNumThreads(threads);

var shared = Cases.Shared(quick);
bool Selected(BenchCase c) => only is null || c.Name.Contains(only, StringComparison.OrdinalIgnoreCase);
var ours = shared.Concat(Cases.OurAttention(quick)).Where(Selected).ToList();
var theirs = shared.Concat(Cases.TorchAttention(quick)).Where(Selected).ToList();

var rows = new List<(BenchCase Case, string Side, Timing Timing)>();
// Sides alternate in rounds (ours, torch, ours, torch, ...) and each row pools its samples over the
// rounds, so load from other processes on a shared machine falls on both sides alike.
var ourSamples = ours.ToDictionary(c => c.Name, _ => new List<Timing>());
var torchSamples = theirs.ToDictionary(c => c.Name, _ => new List<Timing>());
string? torchVersion = null;
for (int round = 0; round < rounds; round++)
{
    foreach (var c in ours)
    {
        ourSamples[c.Name].Add(OurOps.Run(c, warmup, iters, dtype));
        Console.Error.WriteLine($"round {round + 1} ours  {c.Name}: {ourSamples[c.Name][^1].MedianMs:F2} ms");
    }
    if (!runTorch) continue;
    Console.Error.WriteLine($"round {round + 1} torch: running {TorchYardstick.Python} torch_ops.py ...");
    var (version, results) = TorchYardstick.Run(theirs, threads, warmup, iters, dtype == ScalarType.BFloat16 ? "bf16" : "f32");
    torchVersion = version;
    foreach (var c in theirs) torchSamples[c.Name].Add(results[c.Name]);
}
rows.AddRange(ours.Select(c => (c, "ours", Timing.Pool(ourSamples[c.Name]))));
if (runTorch) rows.AddRange(theirs.Select(c => (c, "torch", Timing.Pool(torchSamples[c.Name]))));

var machine = Machine.Describe(threads, torchVersion);
Console.WriteLine($"CPU: {machine.Cpu} ({machine.Cores} logical cores; {machine.CpuFlags}); threads {machine.Threads}; " +
                  $"libtorch {machine.Libtorch}; PyTorch {machine.TorchPython ?? "not run"}; {machine.Blas}");
Console.WriteLine($"{dtype}; {rounds} alternating rounds of warm-up {warmup} + {iters} timed iterations per side; median [min..max] ms over all");
Console.WriteLine();
Console.WriteLine($"{"case",-44} {"side",-5} {"median ms",10} {"min..max ms",18} {"GFLOP/s",9} {"vs torch",9}");
foreach (var (c, side, t) in rows)
{
    string ratio = "";
    if (side == "ours" && rows.FirstOrDefault(r => r.Side == "torch" && r.Case.Name == c.Name) is { Timing: { } other })
        ratio = (other.MedianMs / t.MedianMs).ToString("F3", CultureInfo.InvariantCulture) + "x";
    if (t.MaxRelativeError is { } error)
        ratio = string.Create(CultureInfo.InvariantCulture, $"err {error:E1}");
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"{c.Name,-44} {side,-5} {t.MedianMs,10:F2} {$"{t.MinMs:F2}..{t.MaxMs:F2}",18} {c.Flops / t.MedianMs / 1e6,9:F1} {ratio,9}"));
}
Console.WriteLine("(vs torch: torch median / ours median for the same op; > 1 means ours is faster;");
Console.WriteLine(" err: fused attention's max |fused - math| / max |v|)");
Console.WriteLine();
foreach (var (name, _, _) in Cases.AttentionShapes(quick))
{
    double? Median(string suffix) => rows.FirstOrDefault(r => r.Case.Name == $"attention {name} {suffix}").Timing?.MedianMs;
    if (Median("ours-fused") is not { } fused) continue;
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"attention {name}: ours fused {fused:F1} ms; ours math {Median("ours-math"):F1} ms; torch math (diffusers default) {Median("torch-math"):F1} ms " +
        $"= {Median("torch-math") / fused:F2}x fused; torch sliced {Median("torch-sliced"):F1} ms = {Median("torch-sliced") / fused:F2}x fused"));
}

if (jsonPath is not null)
{
    var report = new JsonObject
    {
        ["machine"] = JsonSerializer.SerializeToNode(machine),
        ["warmup"] = warmup,
        ["rounds"] = rounds,
        ["dtype"] = dtype.ToString(),
        ["results"] = new JsonArray(rows.Select(r => (JsonNode)new JsonObject
        {
            ["name"] = r.Case.Name,
            ["side"] = r.Side,
            ["kind"] = r.Case.Kind.ToString(),
            ["variant"] = r.Case.Variant,
            ["median_ms"] = r.Timing.MedianMs,
            ["min_ms"] = r.Timing.MinMs,
            ["max_ms"] = r.Timing.MaxMs,
            ["iters"] = r.Timing.SamplesMs.Length,
            ["gflops"] = r.Case.Flops / r.Timing.MedianMs / 1e6,
            ["max_relative_error_vs_math"] = r.Timing.MaxRelativeError,
            ["samples_ms"] = new JsonArray(r.Timing.SamplesMs.Select(s => (JsonNode)s).ToArray()),
        }).ToArray()),
    };
    Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(jsonPath))!);
    File.WriteAllText(jsonPath, report.ToJsonString(TorchYardstick.Json));
    Console.Error.WriteLine($"wrote {jsonPath}");
}
return 0;
