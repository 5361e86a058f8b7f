using Orleans;

namespace Raft.Grains.Interfaces;

/// <summary>
/// What the applier delivers to the state machine, in log order, exactly once (the 6.5840 ApplyMsg):
/// either one committed command (CommandValid) or a snapshot that replaces the state up to SnapshotIndex (SnapshotValid).
/// </summary>
[GenerateSerializer, Immutable, Alias("raft.apply-msg")]
public sealed record ApplyMsg(
    bool CommandValid,
    byte[]? Command,
    long CommandIndex,
    bool SnapshotValid,
    byte[]? Snapshot,
    long SnapshotTerm,
    long SnapshotIndex)
{
    public static ApplyMsg ForCommand(LogEntry entry) =>
        new(CommandValid: true, entry.Command, entry.Index, SnapshotValid: false, Snapshot: null, SnapshotTerm: 0, SnapshotIndex: 0);

    public static ApplyMsg ForSnapshot(byte[] snapshot, long snapshotIndex, long snapshotTerm) =>
        new(CommandValid: false, Command: null, CommandIndex: 0, SnapshotValid: true, snapshot, snapshotTerm, snapshotIndex);
}
