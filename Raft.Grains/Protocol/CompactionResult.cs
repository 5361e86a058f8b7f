namespace Raft.Grains.Protocol;

/// <summary>Result of the service asking Raft to compact its log into a snapshot (6.5840 Snapshot(index, data)).</summary>
public enum CompactionResult
{
    Compacted,

    /// <summary>The snapshot already covers the index (for example an InstallSnapshot overtook the service): nothing changed.</summary>
    AlreadyCompacted,

    /// <summary>The index is not committed, so it must not be compacted: nothing changed. A service bug.</summary>
    BeyondCommitIndex,
}
