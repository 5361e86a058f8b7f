using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json.Nodes;

namespace Raft.Benchmarks.Failover;

/// <summary>
/// After the kills: reads every key the writers appended to and checks that each acknowledged number is in its value,
/// that numbers appear once and in order, and that every number there was attempted (an unacknowledged, timed-out
/// append may or may not be there).
/// </summary>
internal static class AppendVerifier
{
    public static async Task<JsonObject> VerifyAsync(IReadOnlyList<AppendWriter> writers, Func<IAppendSession> newSession, int readers, TextWriter log)
    {
        var keys = new ConcurrentQueue<(AppendWriter Writer, int KeyIndex)>(
            writers.SelectMany(w => Enumerable.Range(0, w.KeyCount).Select(k => (w, k))));
        var keyCount = keys.Count;
        long lost = 0, unexpected = 0, acknowledged = 0, unknownPresent = 0;
        var examples = new ConcurrentQueue<string>();

        async Task ReadAsync()
        {
            var session = newSession();
            while (keys.TryDequeue(out var item))
            {
                var (writer, keyIndex) = item;
                var value = await session.ReadAsync(writer.Key(keyIndex));
                var found = Parse(value);
                var first = keyIndex * writer.AppendsPerKey;
                var end = Math.Min(first + writer.AppendsPerKey, writer.Attempted);
                var problems = new List<string>();
                for (var i = 1; i < found.Count; i++)
                {
                    if (found[i] <= found[i - 1])
                    {
                        problems.Add($"{found[i]} after {found[i - 1]}");
                    }
                }
                var present = found.ToHashSet();
                foreach (var number in present.Where(n => n < first || n >= end))
                {
                    problems.Add($"{number} was never appended to this key");
                }
                Interlocked.Add(ref unexpected, problems.Count);
                for (var sequence = first; sequence < end; sequence++)
                {
                    if (writer.IsAcked(sequence))
                    {
                        Interlocked.Increment(ref acknowledged);
                        if (!present.Contains(sequence))
                        {
                            Interlocked.Increment(ref lost);
                            problems.Add($"acknowledged {sequence} is missing");
                        }
                    }
                    else if (present.Contains(sequence))
                    {
                        Interlocked.Increment(ref unknownPresent);
                    }
                }
                if (problems.Count > 0 && examples.Count < 10)
                {
                    examples.Enqueue($"{writer.Key(keyIndex)} = \"{value}\": {string.Join("; ", problems.Take(5))}");
                }
            }
        }

        await Task.WhenAll(Enumerable.Range(0, readers).Select(_ => Task.Run(ReadAsync)));
        foreach (var example in examples)
        {
            log.WriteLine($"failover-load: {example}");
        }
        return new JsonObject
        {
            ["keysRead"] = keyCount,
            ["acknowledgedWrites"] = acknowledged,
            ["lostWrites"] = lost,
            ["unexpectedValues"] = unexpected,
            ["unacknowledgedButApplied"] = unknownPresent,
            ["ok"] = lost == 0 && unexpected == 0,
        };
    }

    private static List<int> Parse(string? value) =>
        (value ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries).Select(t => int.Parse(t, CultureInfo.InvariantCulture)).ToList();
}
