namespace Raft.Grains.Protocol;

/// <summary>
/// A read-only view of the leader's replication state for one follower (Figure 2, "volatile state on leaders", plus
/// flow control). NextIndex is a guess that only affects efficiency; MatchIndex is proven by successful replies and
/// never goes back. <see cref="IsPaused"/>: no further append may go out until a reply or a loss is reported.
/// </summary>
public readonly record struct PeerProgress(
    long NextIndex,
    long MatchIndex,
    ReplicationState State = ReplicationState.Probe,
    bool IsPaused = false,
    int InflightAppends = 0,
    long InflightBytes = 0,
    long PendingSnapshotIndex = 0);
