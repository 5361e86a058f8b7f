using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Raft.Runtime;
using Raft.Runtime.Hosting;
using Raft.TestingHost;

namespace Raft.Benchmarks;

/// <summary>
/// Grain-call round trips: from the silo host to a grain in the same silo (no network), and to a grain on a
/// second silo over loopback TCP, with 1 and 64 concurrent callers (each caller its own grain).
/// </summary>
internal static class GrainCallBenchmark
{
    public static async Task RunAsync(TimeSpan duration, TextWriter output)
    {
        var ports = LoopbackPorts.Free(4);
        var members = new List<SiloEndpoint>
        {
            new() { Name = "a", SiloPort = ports[0], GatewayPort = ports[1] },
            new() { Name = "b", SiloPort = ports[2], GatewayPort = ports[3] },
        };
        var hosts = new List<IHost>();
        foreach (var member in members)
        {
            var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
            builder.Services.AddLogging(l => l.SetMinimumLevel(LogLevel.Warning));
            builder.UseSilo(silo => silo
                .AddGrain<EchoGrain>()
                .Configure<SiloOptions>(o =>
                {
                    o.SiloName = member.Name;
                    o.SiloPort = member.SiloPort;
                    o.GatewayPort = member.GatewayPort;
                })
                .Configure<ClusterMembershipOptions>(o => o.Silos = members)
                // Even keys live on silo a, odd keys on silo b.
                .UsePlacement(id => long.Parse(id.Key) % 2 == 0 ? "a" : "b"));
            var host = builder.Build();
            await host.StartAsync();
            hosts.Add(host);
        }
        var factory = hosts[0].Services.GetRequiredService<Silo>().GrainFactory;
        output.WriteLine("| path | callers | calls/s | p50 (µs) | p99 (µs) | max (µs) |");
        output.WriteLine("|---|---|---|---|---|---|");
        foreach (var (path, parity) in new[] { ("same silo", 0), ("across silos (TCP loopback)", 1) })
        {
            foreach (var callers in new[] { 1, 64 })
            {
                await MeasureAsync(factory, parity, callers, TimeSpan.FromSeconds(1)); // warm-up
                var (rate, summary) = await MeasureAsync(factory, parity, callers, duration);
                output.WriteLine($"| {path} | {callers} | {rate:N0} | {summary.P50Micros:N0} | {summary.P99Micros:N0} | {summary.MaxMicros:N0} |");
            }
        }
        foreach (var host in hosts)
        {
            await host.StopAsync();
            host.Dispose();
        }
    }

    private static async Task<(double Rate, (long Count, double P50Micros, double P99Micros, double MaxMicros) Summary)> MeasureAsync(IGrainFactory factory, int parity, int callers, TimeSpan duration)
    {
        var recorder = new LatencyRecorder();
        var stopAt = Stopwatch.GetTimestamp() + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        var started = Stopwatch.GetTimestamp();
        await Task.WhenAll(Enumerable.Range(0, callers).Select(async caller =>
        {
            var grain = factory.GetGrain<IEchoGrain>(caller * 2 + parity);
            var samples = new long[1 << 20];
            var count = 0;
            while (Stopwatch.GetTimestamp() < stopAt && count < samples.Length)
            {
                var begin = Stopwatch.GetTimestamp();
                await grain.Echo(count);
                samples[count++] = Stopwatch.GetTimestamp() - begin;
            }
            recorder.Add(samples, count);
        }));
        var elapsed = Stopwatch.GetElapsedTime(started);
        var summary = recorder.Summarize();
        return (summary.Count / elapsed.TotalSeconds, summary);
    }
}
