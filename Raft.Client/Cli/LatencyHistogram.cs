using System.Text.Json.Nodes;

namespace Raft.Client.Cli;

/// <summary>
/// A small HDR-style histogram of non-negative values (microseconds here): exact below 128, and above that
/// 64 buckets per power of two, so a reported percentile is within 1/64 (1.6%) of the true value. Not
/// thread-safe: record into one per worker and <see cref="Add"/> them.
/// </summary>
public sealed class LatencyHistogram
{
    private const int LinearBuckets = 128;
    private const int SubBuckets = 64; // per power of two above the linear range
    private const int FirstLogExponent = 7; // 2^7 = 128
    private readonly long[] counts = new long[LinearBuckets + (63 - FirstLogExponent) * SubBuckets];

    public long Count { get; private set; }

    public long Max { get; private set; }

    public long Min { get; private set; } = long.MaxValue;

    public double Mean => Count == 0 ? 0 : (double)Sum / Count;

    private long Sum { get; set; }

    public void Record(long value)
    {
        value = Math.Max(0, value);
        counts[IndexOf(value)]++;
        Count++;
        Sum += value;
        Max = Math.Max(Max, value);
        Min = Math.Min(Min, value);
    }

    public void Add(LatencyHistogram other)
    {
        for (var i = 0; i < counts.Length; i++)
        {
            counts[i] += other.counts[i];
        }
        Count += other.Count;
        Sum += other.Sum;
        Max = Math.Max(Max, other.Max);
        Min = Math.Min(Min, other.Min);
    }

    /// <summary>The workers' histograms added into one.</summary>
    public static LatencyHistogram Merge(IEnumerable<LatencyHistogram> histograms)
    {
        var merged = new LatencyHistogram();
        foreach (var histogram in histograms)
        {
            merged.Add(histogram);
        }
        return merged;
    }

    /// <summary>The "latencyMicros" object of the bench JSON (raft-client bench, Raft.Benchmarks etcd-bench).</summary>
    public JsonObject ToJson() => new()
    {
        ["mean"] = Math.Round(Mean, 1),
        ["p50"] = ValueAtPercentile(50),
        ["p95"] = ValueAtPercentile(95),
        ["p99"] = ValueAtPercentile(99),
        ["max"] = Max,
    };

    /// <summary>
    /// The smallest recorded-bucket value such that at least <paramref name="percentile"/>% of the values are
    /// at or below it (the bucket's upper bound, capped at <see cref="Max"/>); 0 when empty.
    /// </summary>
    public long ValueAtPercentile(double percentile)
    {
        if (Count == 0)
        {
            return 0;
        }
        var rank = Math.Max(1, (long)Math.Ceiling(Math.Clamp(percentile, 0, 100) / 100 * Count));
        long seen = 0;
        for (var i = 0; i < counts.Length; i++)
        {
            seen += counts[i];
            if (seen >= rank)
            {
                return Math.Min(Math.Max(UpperBound(i), Min), Max);
            }
        }
        return Max;
    }

    internal static int IndexOf(long value)
    {
        if (value < LinearBuckets)
        {
            return (int)value;
        }
        var exponent = 63 - (int)long.LeadingZeroCount(value); // >= 7
        var shift = exponent - 6;
        return LinearBuckets + (exponent - FirstLogExponent) * SubBuckets + (int)((value >> shift) - SubBuckets);
    }

    internal static long UpperBound(int index)
    {
        if (index < LinearBuckets)
        {
            return index;
        }
        var exponent = (index - LinearBuckets) / SubBuckets + FirstLogExponent;
        var sub = (index - LinearBuckets) % SubBuckets + SubBuckets;
        var shift = exponent - 6;
        return ((long)(sub + 1) << shift) - 1;
    }
}
