using System.CommandLine;
using Diffusion.Benchmarking.Runners;

namespace Diffusion.Benchmarking.Commands;

/// <summary>Builds the `bench` command: `diffusion bench unet|text-encoder|vae-decode|pipeline|service|concurrency [options]`.</summary>
public static class BenchCommandFactory
{
    /// <summary>Kinds of benchmark, one subcommand each.</summary>
    public static IReadOnlyList<(string Name, string Description)> Kinds { get; } =
    [
        ("unet", "One UNet forward (batch x2 rows with guidance), side by side with the PyTorch yardstick (diffusers' default and sliced attention)."),
        ("text-encoder", "Tokenize and encode a batch of prompts."),
        ("vae-decode", "Decode a batch of latents to images."),
        ("pipeline", "In-process txt2img end to end (text encoder, denoising loop, VAE decode)."),
        ("service", "The same generation through the four services on loopback vs in one process: overhead %."),
        ("concurrency", "N concurrent requests with step-level batching vs one at a time through the DenoiseEngine (images/s)."),
    ];

    /// <summary>The `bench` command on our engine's models (the lead adds it to the CLI root). `--threads` is applied when a
    /// benchmark starts; the service benchmark is present when <paramref name="service"/> is given.</summary>
    public static Command Create(IServiceBenchmark? service = null) => Create(new TorchBenchModelProvider(), service);

    /// <summary>The `bench` command over any model provider (tests use stand-in models).</summary>
    public static Command Create(IBenchModelProvider provider, IServiceBenchmark? service = null)
    {
        ArgumentNullException.ThrowIfNull(provider);
        var bench = new Command("bench", "Benchmarks that print a table and write JSON/SVG/markdown; the unet benchmark runs a PyTorch yardstick side by side.");
        foreach (var (name, description) in Kinds)
            bench.Subcommands.Add(CreateKind(name, description, provider, service));
        bench.Subcommands.Add(CreateSummarize());
        bench.Subcommands.Add(CreateCheckYardstick());
        return bench;
    }

    /// <summary>The invocation as typed, starting at "bench" whether or not a root command sits above it.</summary>
    private static string CommandLineOf(ParseResult parse)
    {
        var tokens = parse.Tokens.Select(t => t.Value).ToList();
        int start = tokens.IndexOf("bench");
        return start >= 0 ? string.Join(' ', tokens.Skip(start)) : "bench " + string.Join(' ', tokens);
    }

    private static Command CreateCheckYardstick()
    {
        var arch = new Option<string>("--architecture") { Description = "Embedded UNet config to check on (small configs only).", DefaultValueFactory = _ => "tiny" };
        var size = new Option<int>("--latent-size") { Description = "Latent height and width of the inputs.", DefaultValueFactory = _ => 16 };
        var cmd = new Command("check-yardstick", "Same weights, same inputs: our UNet forward vs the PyTorch yardstick (default and sliced attention) within 1e-4.") { arch, size };
        cmd.SetAction(async (parse, ct) =>
        {
            var result = await Yardstick.YardstickEquivalence.RunAsync(parse.GetValue(arch)!, parse.GetValue(size), 1e-4, Console.Error.WriteLine, ct)
                .ConfigureAwait(false);
            Console.Out.WriteLine(System.Text.Json.JsonSerializer.Serialize(result, Reporting.ReportJson.Options));
            return result.Passed ? 0 : 1;
        });
        return cmd;
    }

    private static Command CreateSummarize()
    {
        var folder = new Argument<DirectoryInfo>("folder") { Description = "A results folder of bench JSON reports." };
        var cmd = new Command("summarize", "Write README.md (a table of every report) and a summary-KIND.svg chart per benchmark kind into a results folder.") { folder };
        cmd.SetAction(parse =>
        {
            Console.Out.Write(Reporting.ResultsSummary.Write(parse.GetValue(folder)!.FullName));
            return 0;
        });
        return cmd;
    }

    private static Command CreateKind(string kind, string description, IBenchModelProvider provider, IServiceBenchmark? service)
    {
        var random = new Option<string?>("--random-weights") { Description = "Full-size architecture with random weights made in memory: sd15, sd21 (or tiny)." };
        random.AcceptOnlyFromAmong([.. ModelConfigs.Architectures]);
        var model = new Option<DirectoryInfo?>("--model") { Description = "A diffusers model folder instead of random weights." };
        var device = new Option<string>("--device") { Description = "cpu or cuda.", DefaultValueFactory = _ => "cpu" };
        var dtype = new Option<string>("--dtype") { Description = "f32, f16 or bf16.", DefaultValueFactory = _ => "f32" };
        dtype.AcceptOnlyFromAmong("f32", "f16", "bf16");
        var batch = new Option<int>("--batch") { Description = "Images per run (the UNet gets 2x rows with guidance).", DefaultValueFactory = _ => 1 };
        var size = new Option<int>("--size") { Description = "Image size in pixels (latents are size/8); 0 = the model's default (512 for sd15, 768 for sd21).", DefaultValueFactory = _ => 0 };
        var steps = new Option<int>("--steps") { Description = "Denoising steps (pipeline, service, concurrency).", DefaultValueFactory = _ => 20 };
        var iters = new Option<int>("--iters") { Description = "Timed iterations.", DefaultValueFactory = _ => 3 };
        var warmup = new Option<int>("--warmup") { Description = "Untimed warm-up iterations.", DefaultValueFactory = _ => 1 };
        var threads = new Option<int>("--threads") { Description = "Intra-op threads for the engine and the yardstick (default: every logical core; both sides always use the same count).", DefaultValueFactory = _ => Environment.ProcessorCount };
        var noGuidance = new Option<bool>("--no-guidance") { Description = "Batch rows without classifier-free guidance (1x instead of 2x)." };
        var json = new Option<FileInfo?>("--json") { Description = "Write the JSON report here." };
        var svg = new Option<FileInfo?>("--svg") { Description = "Write an SVG bar chart here." };
        var markdown = new Option<FileInfo?>("--markdown") { Description = "Write the markdown table here." };
        var cmd = new Command(kind, description) { random, model, device, dtype, batch, size, steps, iters, warmup, threads, noGuidance, json, svg, markdown };

        Option<bool>? noYardstick = null;
        Option<string>? attention = null;
        Option<int>? requests = null;
        Option<bool>? compareF32 = null;
        if (kind == "unet")
        {
            noYardstick = new Option<bool>("--no-yardstick") { Description = "Skip the PyTorch side-by-side run." };
            attention = new Option<string>("--yardstick-attention") { Description = "Yardstick attention modes, comma-separated: default,sliced.", DefaultValueFactory = _ => "default,sliced" };
            cmd.Options.Add(noYardstick);
            cmd.Options.Add(attention);
        }
        if (kind == "concurrency")
        {
            requests = new Option<int>("--requests") { Description = "Concurrent requests.", DefaultValueFactory = _ => 8 };
            cmd.Options.Add(requests);
        }
        if (kind == "pipeline")
        {
            compareF32 = new Option<bool>("--compare-f32") { Description = "With --dtype bf16/f16, also generate in f32 and report the image PSNR." };
            cmd.Options.Add(compareF32);
        }

        cmd.SetAction(async (parse, ct) =>
        {
            string? arch = parse.GetValue(random);
            var dir = parse.GetValue(model);
            if ((arch is null) == (dir is null))
            {
                Console.Error.WriteLine("give exactly one of --random-weights sd15|sd21 and --model DIR");
                return 2;
            }
            int defaultSize = arch switch { "sd21" => 768, "tiny" => 64, _ => 512 };
            int imageSize = parse.GetValue(size) is > 0 and var s ? s : defaultSize;
            if (imageSize % RunOptions.LatentFactor != 0 || parse.GetValue(batch) < 1 || parse.GetValue(iters) < 1 || parse.GetValue(warmup) < 0 || parse.GetValue(steps) < 1)
            {
                Console.Error.WriteLine("--size must be a multiple of 8; --batch, --iters and --steps at least 1; --warmup at least 0");
                return 2;
            }
            var options = new BenchOptions
            {
                Kind = kind,
                Source = new ModelSource(arch, dir?.FullName, parse.GetValue(device)!, parse.GetValue(dtype)!),
                Run = new RunOptions(parse.GetValue(batch), imageSize, parse.GetValue(steps), parse.GetValue(warmup), parse.GetValue(iters),
                    Guidance: !parse.GetValue(noGuidance)),
                Threads = parse.GetValue(threads),
                Yardstick = noYardstick is null || !parse.GetValue(noYardstick),
                YardstickAttention = attention is null ? ["default", "sliced"]
                    : parse.GetValue(attention)!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
                Requests = requests is null ? 8 : parse.GetValue(requests),
                CompareF32 = compareF32 is not null && parse.GetValue(compareF32),
                JsonPath = parse.GetValue(json)?.FullName,
                SvgPath = parse.GetValue(svg)?.FullName,
                MarkdownPath = parse.GetValue(markdown)?.FullName,
                CommandLine = CommandLineOf(parse),
            };
            var report = await BenchRunner.RunAsync(options, provider, service, Console.Error.WriteLine, ct).ConfigureAwait(false);
            Console.Out.Write(Reporting.MarkdownTable.Render(report));
            return 0;
        });
        return cmd;
    }
}
