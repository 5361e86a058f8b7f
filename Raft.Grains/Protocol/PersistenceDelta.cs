using Raft.Grains.Interfaces;

namespace Raft.Grains.Protocol;

/// <summary>
/// Everything that changed since the driver last took a delta; the driver makes it durable before sending any
/// message or reply produced after the change (Raft's rule: vote and log are durable before the RPC is answered).
/// Apply in this order of meaning:
/// <list type="number">
/// <item><see cref="HardState"/> when not null replaces the stored term and vote.</item>
/// <item><see cref="Snapshot"/> when not null replaces the stored snapshot; stored entries at or below its index become garbage.</item>
/// <item><see cref="FirstDirtyIndex"/> when not null: delete stored entries at and after it, then store <see cref="Entries"/>
///   (which start at FirstDirtyIndex and run to the end of the log; empty when the log was only cut back).</item>
/// </list>
/// After the write, call <see cref="RaftNode.OnLocalPersisted"/> with <see cref="LastLogIndex"/> and <see cref="LastLogTerm"/>.
/// Deltas must be written in the order they were taken.
/// </summary>
public sealed record PersistenceDelta(
    HardState? HardState,
    RaftSnapshot? Snapshot,
    long? FirstDirtyIndex,
    LogEntry[] Entries,
    long LastLogIndex,
    long LastLogTerm)
{
    public bool IsEmpty => HardState is null && Snapshot is null && FirstDirtyIndex is null;
}
