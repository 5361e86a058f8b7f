using Raft.Grains.Interfaces;
using Raft.Grains.Protocol;

namespace Raft.Tests.Protocol;

/// <summary>A stand-in for grain storage that applies persistence deltas exactly as their contract says.</summary>
internal sealed class MemoryDisk
{
    private readonly SortedDictionary<long, LogEntry> _entries = [];

    public HardState HardState { get; private set; } = new(0, null);

    public RaftSnapshot? Snapshot { get; private set; }

    public IReadOnlyCollection<LogEntry> StoredEntries => _entries.Values;

    public int Writes { get; private set; }

    public void Apply(PersistenceDelta delta)
    {
        if (delta.IsEmpty)
        {
            return;
        }
        Writes++;
        if (delta.HardState is { } hardState)
        {
            HardState = hardState;
        }
        if (delta.Snapshot is { } snapshot)
        {
            Snapshot = snapshot;
            foreach (var index in _entries.Keys.Where(index => index <= snapshot.Index).ToArray())
            {
                _entries.Remove(index);
            }
        }
        if (delta.FirstDirtyIndex is { } first)
        {
            foreach (var index in _entries.Keys.Where(index => index >= first).ToArray())
            {
                _entries.Remove(index);
            }
            foreach (var entry in delta.Entries)
            {
                _entries.Add(entry.Index, entry);
            }
        }
    }

    public DurableState Load() => new(HardState, Snapshot, _entries.Values.ToArray());
}
