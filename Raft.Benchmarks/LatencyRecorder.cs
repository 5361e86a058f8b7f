using System.Diagnostics;

namespace Raft.Benchmarks;

/// <summary>Collects per-call latencies (in Stopwatch ticks) from several callers and summarizes them.</summary>
internal sealed class LatencyRecorder
{
    private readonly List<long[]> perCaller = new();
    private readonly object gate = new();

    public void Add(long[] samples, int count)
    {
        lock (gate)
        {
            perCaller.Add(samples[..count]);
        }
    }

    public (long Count, double P50Micros, double P99Micros, double MaxMicros) Summarize()
    {
        var all = perCaller.SelectMany(s => s).ToArray();
        Array.Sort(all);
        if (all.Length == 0)
        {
            return (0, 0, 0, 0);
        }
        double Micros(long ticks) => ticks * 1_000_000.0 / Stopwatch.Frequency;
        return (all.Length, Micros(all[(int)(all.Length * 0.50)]), Micros(all[Math.Min(all.Length - 1, (int)(all.Length * 0.99))]), Micros(all[^1]));
    }
}
