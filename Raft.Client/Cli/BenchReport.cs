using System.Diagnostics;
using System.Text.Json.Nodes;

namespace Raft.Client.Cli;

/// <summary>
/// The JSON object of one bench run, the contract scripts/bench.sh reads: raft-client bench --json, and
/// Raft.Benchmarks etcd-bench (the same loop against etcd), so that both are tabulated alike.
/// </summary>
public static class BenchReport
{
    public sealed record Load(int Clients, int KeySize, int ValueSize, int Keys, double ReadRatio, TimeSpan Warmup);

    public static JsonObject ToJson(Load load, TimeSpan elapsed, long puts, long gets, long errors, TimeSpan clientCpu, LatencyHistogram latency)
    {
        var operations = puts + gets;
        return new JsonObject
        {
            ["clients"] = load.Clients,
            ["durationSeconds"] = Math.Round(elapsed.TotalSeconds, 3),
            ["keySize"] = load.KeySize,
            ["valueSize"] = load.ValueSize,
            ["keys"] = load.Keys,
            ["readRatio"] = load.ReadRatio,
            ["operations"] = operations,
            ["puts"] = puts,
            ["gets"] = gets,
            ["errors"] = errors,
            ["opsPerSecond"] = Math.Round(elapsed > TimeSpan.Zero ? operations / elapsed.TotalSeconds : 0, 1),
            ["warmupSeconds"] = load.Warmup.TotalSeconds,
            // CPU this client process used while measuring: on a shared 2-core machine, part of every cell's cost.
            ["clientCpuSeconds"] = Math.Round(clientCpu.TotalSeconds, 3),
            ["latencyMicros"] = latency.ToJson(),
        };
    }
}

/// <summary>
/// The clock of one bench run: operations that begin in the first <c>warmup</c> run but are not counted, then the
/// run measures for <c>duration</c>. The first measured operation samples this process's CPU time and, after a
/// warm-up, writes "bench: clock started" to <c>marker</c> (scripts/bench.sh samples the servers' CPU from then on).
/// </summary>
public sealed class BenchClock(TimeSpan warmup, TimeSpan duration, TextWriter marker)
{
    private readonly long _started = Stopwatch.GetTimestamp() + (long)(warmup.TotalSeconds * Stopwatch.Frequency);
    private readonly long _until = Stopwatch.GetTimestamp() + (long)((warmup + duration).TotalSeconds * Stopwatch.Frequency);
    private TimeSpan _cpuAtStart;
    private int _cpuSampled;

    public bool Running => Stopwatch.GetTimestamp() < _until;

    /// <summary>Time since the measured part began (negative during the warm-up).</summary>
    public TimeSpan Elapsed => Stopwatch.GetElapsedTime(_started);

    /// <summary>CPU this process used since the first measured operation.</summary>
    public TimeSpan ClientCpu => Process.GetCurrentProcess().TotalProcessorTime - _cpuAtStart;

    /// <summary>Whether an operation beginning at <paramref name="timestamp"/> (Stopwatch ticks) counts.</summary>
    public bool Measures(long timestamp)
    {
        if (timestamp < _started)
        {
            return false;
        }
        if (Interlocked.Exchange(ref _cpuSampled, 1) == 0)
        {
            _cpuAtStart = Process.GetCurrentProcess().TotalProcessorTime;
            if (warmup > TimeSpan.Zero)
            {
                marker.WriteLine("bench: clock started");
            }
        }
        return true;
    }
}
