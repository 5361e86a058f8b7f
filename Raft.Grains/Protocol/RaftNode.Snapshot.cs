using Raft.Grains.Interfaces;

namespace Raft.Grains.Protocol;

public sealed partial class RaftNode
{
    /// <summary>
    /// The service took a snapshot covering everything through <paramref name="index"/> (6.5840 Snapshot(index, data)):
    /// drop those entries. Only committed indexes may be compacted; an index the snapshot already covers is a no-op.
    /// </summary>
    public CompactionResult CompactTo(long index, byte[] snapshotData)
    {
        ArgumentNullException.ThrowIfNull(snapshotData);
        if (index <= _log.SnapshotIndex)
        {
            return CompactionResult.AlreadyCompacted;
        }
        if (index > CommitIndex)
        {
            return CompactionResult.BeyondCommitIndex;
        }
        _log.CompactTo(index, _log.TermAt(index)!.Value);
        SnapshotData = snapshotData;
        MarkSnapshotDirty();
        OnCompacted();
        return CompactionResult.Compacted;
    }

    /// <summary>
    /// What the applier delivers next, given the last index it applied: the snapshot alone when the applier is behind it
    /// (after a restart or an InstallSnapshot), otherwise committed commands after <paramref name="lastApplied"/>, at
    /// most <paramref name="maxCount"/>. Empty when caught up. The applier advances lastApplied by what it delivers.
    /// </summary>
    public IReadOnlyList<ApplyMsg> ApplyMessagesAfter(long lastApplied, int maxCount = int.MaxValue)
    {
        if (lastApplied < _log.SnapshotIndex)
        {
            return [ApplyMsg.ForSnapshot(SnapshotData ?? [], _log.SnapshotIndex, _log.SnapshotTerm)];
        }
        if (lastApplied >= CommitIndex || maxCount <= 0)
        {
            return [];
        }
        var count = (int)Math.Min(CommitIndex - lastApplied, maxCount);
        return _log.Slice(lastApplied + 1, count).Select(ApplyMsg.ForCommand).ToArray();
    }
}
