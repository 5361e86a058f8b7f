using Raft.Grains;
using Raft.Grains.Interfaces;

namespace Raft.Simulation.Explorer;

/// <summary>
/// Reads the peers' durable logs straight from their simulated disks (the records RaftPeerStore writes) and checks the
/// Log Matching property across them: if two logs hold an entry with the same index and term, they hold the same
/// entries up to that index. A simulated disk takes a write whole when it is issued, so between two turns a peer's
/// records are never half written.
/// </summary>
public static class PersistedLogs
{
    /// <summary>One peer's durable log after its snapshot: index → entry.</summary>
    public static SortedDictionary<long, LogEntry> Read(SimulatedDisk disk)
    {
        var entries = new SortedDictionary<long, LogEntry>();
        var manifest = disk.Get<RaftLogManifestRecord>(RaftPeerStore.ManifestName);
        var snapshot = disk.Get<RaftSnapshotRecord>(RaftPeerStore.SnapshotName);
        if (manifest is null)
        {
            return entries;
        }
        var segments = new List<RaftLogSegmentRecord>();
        for (var segment = manifest.FirstSegment; segment < manifest.FirstSegment + manifest.SegmentCount; segment++)
        {
            if (disk.Get<RaftLogSegmentRecord>(RaftPeerStore.SegmentName(segment)) is { } record)
            {
                segments.Add(record);
            }
        }
        // Follow the chain from the snapshot as activation does; a segment that does not link is a leftover of an
        // interrupted write, which the next activation clears.
        var expectedIndex = (snapshot?.LastIncludedIndex ?? 0) + 1;
        foreach (var record in segments.OrderBy(s => s.FirstIndex))
        {
            var last = record.FirstIndex + record.Entries.Length - 1;
            if (last < expectedIndex)
            {
                continue;
            }
            if (record.FirstIndex > expectedIndex)
            {
                break;
            }
            foreach (var entry in record.Entries.Where(e => e.Index >= expectedIndex))
            {
                entries[entry.Index] = entry;
            }
            expectedIndex = last + 1;
        }
        return entries;
    }

    /// <summary>Violations of Log Matching between every pair of the given logs (peer name → log).</summary>
    public static IReadOnlyList<string> CheckLogMatching(IReadOnlyList<(string Peer, SortedDictionary<long, LogEntry> Log)> logs)
    {
        var violations = new List<string>();
        for (var a = 0; a < logs.Count; a++)
        {
            for (var b = a + 1; b < logs.Count; b++)
            {
                if (FirstMismatch(logs[a].Log, logs[b].Log) is { } mismatch)
                {
                    violations.Add($"log matching: {logs[a].Peer} and {logs[b].Peer} {mismatch}");
                }
            }
        }
        return violations;
    }

    private static string? FirstMismatch(SortedDictionary<long, LogEntry> a, SortedDictionary<long, LogEntry> b)
    {
        // The highest index where both hold an entry of the same term: everything both hold below it must be equal.
        var agreed = a.Keys.Where(i => b.TryGetValue(i, out var other) && other.Term == a[i].Term).DefaultIfEmpty(0).Max();
        foreach (var (index, entry) in a)
        {
            if (index > agreed)
            {
                break;
            }
            if (b.TryGetValue(index, out var other) && (other.Term != entry.Term || !other.Command.AsSpan().SequenceEqual(entry.Command)))
            {
                return $"agree on index {agreed} term {a[agreed].Term} but differ at index {index}: term {entry.Term} " +
                    $"({entry.Command.Length} bytes) vs term {other.Term} ({other.Command.Length} bytes)";
            }
        }
        return null;
    }
}
