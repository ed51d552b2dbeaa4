using System.Diagnostics;
using Spectre.Console;
using Spectre.Console.Rendering;
using Progress = Diffusion.Contracts.V1.Progress;

namespace Diffusion.Cli.Commands;

/// <summary>A live progress bar (step, it/s, ETA) on a terminal; one line per step otherwise.</summary>
internal static class ProgressView
{
    public static async Task<T> RunAsync<T>(Func<Action<Progress>, Task<T>> work)
    {
        if (!Console.IsOutputRedirected && AnsiConsole.Profile.Capabilities.Interactive)
        {
            T result = default!;
            await AnsiConsole.Progress()
                .AutoClear(false)
                .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(),
                    new RateColumn(), new RemainingTimeColumn(), new SpinnerColumn())
                .StartAsync(async ctx =>
                {
                    var task = ctx.AddTask("denoising", autoStart: true, maxValue: 1);
                    result = await work(p =>
                    {
                        task.MaxValue = Math.Max(1, p.Total);
                        task.Value = p.Step;
                        task.Description = $"step {p.Step}/{p.Total}";
                    });
                    task.Value = task.MaxValue;
                });
            return result;
        }

        var sw = Stopwatch.StartNew();
        return await work(p =>
        {
            double rate = p.Step / Math.Max(1e-9, p.ElapsedMs / 1000);
            double eta = rate > 0 ? (p.Total - p.Step) / rate : 0;
            Console.WriteLine($"step {p.Step}/{p.Total}  t={p.Timestep:0.###}  {rate:0.00} it/s  ETA {eta:0.0} s");
        });
    }

    private sealed class RateColumn : ProgressColumn
    {
        public override IRenderable Render(RenderOptions options, ProgressTask task, TimeSpan deltaTime)
        {
            double? speed = task.Speed;
            return new Markup(speed is double s ? $"{s:0.00} it/s" : "-- it/s");
        }
    }
}
