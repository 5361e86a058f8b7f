using System.Diagnostics;

namespace Raft.Benchmarks.Failover;

/// <summary>
/// Microseconds since the Unix epoch, read from the monotonic clock after one wall-clock reading at start: comparable
/// with the times the driving script takes (date +%s%6N) and the silos' UTC log timestamps, without the steps a
/// wall clock can take during a run.
/// </summary>
internal sealed class MicrosecondClock
{
    private readonly long _epochMicrosAtStart = (DateTime.UtcNow - DateTime.UnixEpoch).Ticks / 10;
    private readonly long _startTimestamp = Stopwatch.GetTimestamp();

    public long NowMicros() => _epochMicrosAtStart + (long)Stopwatch.GetElapsedTime(_startTimestamp).TotalMicroseconds;
}
