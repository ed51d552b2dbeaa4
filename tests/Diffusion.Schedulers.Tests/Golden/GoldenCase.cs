using System.Text.Json;
using Diffusion.Schedulers;
using Diffusion.Testing;

namespace Diffusion.Schedulers.Tests.Golden;

/// <summary>
/// One case of a <c>schedulers/index.json</c>: its class, overrides, the recorded
/// <c>&lt;case&gt;.json</c> (args, values) and <c>&lt;case&gt;.safetensors</c> tensors. Two sets share the
/// format: "shared" (../shared/reference, the project's golden data) and "oracle" (Oracle/reference in
/// this project, made by Oracle/make_oracle_cases.py from diffusers 0.27.2 for configurations the
/// shared set lacks).
/// </summary>
internal sealed class GoldenCase
{
    private static readonly Dictionary<string, Lazy<JsonDocument>> s_indexes = new()
    {
        ["shared"] = new(() => ReadIndex(TestPaths.Reference)),
        ["oracle"] = new(() => ReadIndex(OracleRoot)),
    };

    private readonly string _root;

    private GoldenCase(string source, string name)
    {
        Name = $"{source}/{name}";
        _root = source == "shared" ? TestPaths.Reference : OracleRoot;
        var index = s_indexes[source].Value;
        var entry = index.RootElement.GetProperty("cases").GetProperty(name);
        ClassName = entry.GetProperty("class").GetString()!;
        Overrides = entry.TryGetProperty("overrides", out var o)
            ? o.EnumerateObject().ToDictionary(p => p.Name,
                p => p.Value.ValueKind == JsonValueKind.String ? p.Value.GetString()! : p.Value.GetRawText())
            : [];
        BaseConfig = SchedulerConfig.FromJsonElement(index.RootElement.GetProperty("base_config"));
        string file = entry.TryGetProperty("file", out var f) ? f.GetString()! : $"schedulers/{name}.safetensors";
        Tensors = new SafetensorsFile(Path.Combine([_root, .. file.Split('/')]));
        var meta = JsonDocument.Parse(File.ReadAllText(Path.Combine([_root, .. Path.ChangeExtension(file, ".json").Split('/')])));
        Args = meta.RootElement.GetProperty("args").Clone();
        Values = meta.RootElement.GetProperty("values").Clone();
        Config = SchedulerConfig.FromJsonElement(Args.GetProperty("config"));
    }

    public string Name { get; }

    public string ClassName { get; }

    public IReadOnlyDictionary<string, string> Overrides { get; }

    public SchedulerConfig BaseConfig { get; }

    /// <summary><c>args.config</c>: the complete config the reference scheduler was constructed with.</summary>
    public SchedulerConfig Config { get; }

    public JsonElement Args { get; }

    public JsonElement Values { get; }

    public SafetensorsFile Tensors { get; }

    /// <summary>The oracle set kept in this test project.</summary>
    public static string OracleRoot => Path.Combine(TestPaths.RepoRoot, "tests", "Diffusion.Schedulers.Tests", "Oracle", "reference");

    /// <summary>(source, case) pairs of one set for [MemberData].</summary>
    public static IEnumerable<object[]> Names(string source) =>
        s_indexes[source].Value.RootElement.GetProperty("cases").EnumerateObject().Select(p => new object[] { source, p.Name });

    public static GoldenCase Load(string source, string name) => new(source, name);

    private static JsonDocument ReadIndex(string root) =>
        JsonDocument.Parse(File.ReadAllText(Path.Combine(root, "schedulers", "index.json")));

    /// <summary>A fresh scheduler built from <c>args.config</c> (the reference's exact construction).</summary>
    public IScheduler CreateScheduler() => SchedulerFactory.Create(ClassName, Config);

    public int TrajectorySteps => Args.TryGetProperty("trajectory_steps", out var s) ? s.GetInt32() : 10;

    /// <summary><c>args.step_kwargs</c> as <see cref="StepOptions"/>; an unknown keyword fails the test.</summary>
    public StepOptions StepOptions()
    {
        var options = Schedulers.StepOptions.Default;
        if (!Args.TryGetProperty("step_kwargs", out var kwargs)) return options;
        foreach (var p in kwargs.EnumerateObject())
        {
            double v = p.Value.GetDouble();
            options = p.Name switch
            {
                "eta" => options with { Eta = v },
                "s_churn" => options with { SChurn = v },
                "s_tmin" => options with { STmin = v },
                "s_tmax" => options with { STmax = v },
                "s_noise" => options with { SNoise = v },
                _ => throw new Xunit.Sdk.XunitException($"{Name}: step kwarg '{p.Name}' has no StepOptions counterpart"),
            };
        }
        return options;
    }

    public double[] Doubles(string key) => Values.GetProperty(key).EnumerateArray().Select(e => e.GetDouble()).ToArray();

    public bool Has(string key) => Values.TryGetProperty(key, out var v) && v.ValueKind != JsonValueKind.Null;

    public double Double(string key) => Values.GetProperty(key).GetDouble();

    /// <summary>Row <paramref name="row"/> of a stacked tensor [n, ...].</summary>
    public float[] Row(string key, int row)
    {
        var all = Tensors.Floats(key);
        int rows = (int)Tensors.Shape(key)[0];
        int length = all.Length / rows;
        return all.AsSpan(row * length, length).ToArray();
    }

    /// <summary>The shape of one row of a stacked tensor.</summary>
    public long[] RowShape(string key) => Tensors.Shape(key)[1..];
}
