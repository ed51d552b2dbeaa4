using Diffusion.Contracts.V1;
using Spectre.Console;

namespace Diffusion.Cli.Commands;

/// <summary>Per-stage timings of a generation (the same stages as the trace's spans).</summary>
internal static class TimingTable
{
    public static void Print(GenerateResponse response, TimeSpan wall)
    {
        var t = response.Timings ?? new StageTimings();
        var table = new Table().AddColumn("stage").AddColumn(new TableColumn("ms").RightAligned());
        void Row(string name, double ms) => table.AddRow(name, ms.ToString("0.0", System.Globalization.CultureInfo.InvariantCulture));
        Row("encode", t.EncodeMs);
        if (t.VaeEncodeMs > 0) Row("vae encode", t.VaeEncodeMs);
        Row("queue", t.QueueMs);
        Row("denoise", t.DenoiseMs);
        Row("decode", t.DecodeMs);
        Row("total (gateway)", t.TotalMs);
        Row("wall (cli)", wall.TotalMilliseconds);
        AnsiConsole.Write(table);
        Console.WriteLine($"seed: {string.Join(", ", response.Seeds)}");
        if (response.Failovers > 0) Console.WriteLine($"failovers: {response.Failovers}");
        if (response.PromptTruncated) Console.WriteLine("note: the prompt was truncated to the text encoder's token limit (use --chunk-long-prompts)");
        if (!string.IsNullOrEmpty(response.TraceId)) Console.WriteLine($"trace id: {response.TraceId} (open it in Jaeger: http://localhost:16686/trace/{response.TraceId})");
    }
}
