using System.Diagnostics;
using Diffusion.Cli.Commands;
using Diffusion.Contracts.V1;
using Diffusion.Grpc;
using Xunit.Abstractions;

namespace Diffusion.Reliability.Tests;

/// <summary>Concurrency 16 through the real gateway for DIFFUSION_SOAK_SECONDS (default 45): every call succeeds
/// or is refused RESOURCE_EXHAUSTED; every process's RSS stays flat between warm-up and the end.</summary>
[Collection(ReliabilityCollection.Name)]
public sealed class SoakTests(ReliabilityStack fixture, ITestOutputHelper output)
{
    private static long RssKb(int pid) =>
        long.Parse(File.ReadLines($"/proc/{pid}/status").First(l => l.StartsWith("VmRSS:", StringComparison.Ordinal))
            .Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]);

    [Fact]
    public async Task Concurrency16_OnlySuccessOrResourceExhausted_RssFlat()
    {
        var stack = fixture.Stack;
        int seconds = int.TryParse(Environment.GetEnvironmentVariable("DIFFUSION_SOAK_SECONDS"), out var s) ? s : 45;
        using var client = new GatewayClient(stack.GatewayUrl, ReliabilityStack.ApiKey);
        var latencies = new System.Collections.Concurrent.ConcurrentBag<double>();
        var others = new System.Collections.Concurrent.ConcurrentBag<string>();
        int exhausted = 0;
        var total = Stopwatch.StartNew();
        var warmUp = TimeSpan.FromSeconds(Math.Min(10, seconds / 3.0));
        Dictionary<string, long>? baseline = null;
        var end = TimeSpan.FromSeconds(seconds);
        var workers = Enumerable.Range(0, 16).Select(async w =>
        {
            long seed = w * 1_000_000;
            while (total.Elapsed < end)
            {
                var watch = Stopwatch.StartNew();
                try
                {
                    await client.GenerateAsync(new GenerateRequest { Prompt = $"soak {w} {seed % 7}", Steps = 2, Seed = seed++ },
                        TimeSpan.FromMinutes(1), _ => { }, CancellationToken.None);
                    latencies.Add(watch.Elapsed.TotalMilliseconds);
                }
                catch (RpcException e) when (e.StatusCode == StatusCode.ResourceExhausted) { Interlocked.Increment(ref exhausted); await Task.Delay(20); }
                catch (RpcException e) { others.Add($"{e.StatusCode}: {e.Status.Detail}"); }
            }
        }).ToList();
        await Task.Delay(warmUp);
        baseline = stack.Processes.ToDictionary(p => $"{p.Name}:{p.Pid}", p => RssKb(p.Pid));
        await Task.WhenAll(workers);
        var after = stack.Processes.ToDictionary(p => $"{p.Name}:{p.Pid}", p => RssKb(p.Pid));
        var sorted = latencies.OrderBy(x => x).ToArray();
        Assert.NotEmpty(sorted);
        output.WriteLine($"{seconds} s, concurrency 16: {sorted.Length} images ({sorted.Length / total.Elapsed.TotalSeconds:F1}/s), " +
            $"p50 {sorted[sorted.Length / 2]:F0} ms, p99 {sorted[Math.Min(sorted.Length - 1, sorted.Length * 99 / 100)]:F0} ms, RESOURCE_EXHAUSTED {exhausted}");
        foreach (var (name, before) in baseline)
            output.WriteLine($"{name}: RSS {before / 1024} MB after warm-up -> {after[name] / 1024} MB at the end");
        Assert.True(others.IsEmpty, string.Join("\n", others.Take(10)));
        foreach (var (name, before) in baseline)
            Assert.True(after[name] <= before * 1.3 + 100 * 1024, $"{name}: RSS grew {before / 1024} MB -> {after[name] / 1024} MB");
    }
}
