using Raft.Grains.Interfaces;

namespace Raft.Grains.Protocol;

/// <summary>
/// What a peer restarts from: hard state, the latest snapshot (if any) and the log entries after it.
/// Entries at or below the snapshot index are ignored, so a store may keep them until it gets round to deleting them.
/// </summary>
public sealed record DurableState(HardState HardState, RaftSnapshot? Snapshot, IReadOnlyList<LogEntry> Entries)
{
    public static DurableState Empty { get; } = new(new HardState(0, null), null, []);
}
