using System.Globalization;
using System.Text.Json.Nodes;

namespace Raft.Benchmarks.Failover;

/// <summary>
/// A server's log over all its lives, each line with the UTC time it was logged: the failover script starts the silos
/// with the simple formatter's timestamp "yyyy-MM-dd HH:mm:ss.ffffff " in UTC; etcd logs JSON lines with "ts" (zap, UTC,
/// ms). Lines without a time (a stack trace's continuation) are skipped.
/// </summary>
internal sealed class SiloLog
{
    private const string TimestampFormat = "yyyy-MM-dd HH:mm:ss.ffffff";
    private readonly List<(long AtMicros, string Line)> _lines = [];

    private SiloLog(string silo) => Silo = silo;

    public string Silo { get; }

    public static SiloLog Read(string silo, string path)
    {
        var log = new SiloLog(silo);
        if (!File.Exists(path))
        {
            return log;
        }
        // The silo may still be writing (and holds the file open): share it.
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var reader = new StreamReader(stream);
        while (reader.ReadLine() is { } line)
        {
            if (line.StartsWith('{') && TryReadZapTime(line) is { } zap)
            {
                log._lines.Add(((zap - DateTime.UnixEpoch).Ticks / 10, line));
            }
            else if (line.Length > TimestampFormat.Length
                && DateTime.TryParseExact(line.AsSpan(0, TimestampFormat.Length), TimestampFormat, CultureInfo.InvariantCulture,
                    DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var at))
            {
                log._lines.Add(((at - DateTime.UnixEpoch).Ticks / 10, line));
            }
        }
        return log;
    }

    private static DateTime? TryReadZapTime(string line)
    {
        try
        {
            return JsonNode.Parse(line)?["ts"] is JsonValue ts && DateTime.TryParse((string?)ts, CultureInfo.InvariantCulture,
                DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var at) ? at : null;
        }
        catch (System.Text.Json.JsonException)
        {
            return null;
        }
    }

    /// <summary>The time of the first line logged after <paramref name="afterMicros"/> that contains every one of <paramref name="parts"/>.</summary>
    public long? FirstAfter(long afterMicros, params string[] parts)
    {
        foreach (var (at, line) in _lines)
        {
            if (at > afterMicros && parts.All(p => line.Contains(p, StringComparison.Ordinal)))
            {
                return at;
            }
        }
        return null;
    }

    /// <summary>The last line logged in (<paramref name="afterMicros"/>, <paramref name="untilMicros"/>] that contains <paramref name="part"/>, and how many did.</summary>
    public (long? Last, int Count) Between(long afterMicros, long untilMicros, string part)
    {
        long? last = null;
        var count = 0;
        foreach (var (at, line) in _lines)
        {
            if (at > afterMicros && at <= untilMicros && line.Contains(part, StringComparison.Ordinal))
            {
                last = at;
                count++;
            }
        }
        return (last, count);
    }

    /// <summary>The earliest of <see cref="FirstAfter"/> over several logs (the survivors of a kill).</summary>
    public static long? FirstAfter(IEnumerable<SiloLog> logs, long afterMicros, params string[] parts) =>
        logs.Select(l => l.FirstAfter(afterMicros, parts)).Where(t => t is not null).Min();
}
