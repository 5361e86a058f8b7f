namespace Raft.Grains.Protocol;

/// <summary>What a leader learned from an AppendEntries or InstallSnapshot reply; drives the per-follower loop.</summary>
public enum ReplicationOutcome
{
    /// <summary>The reply belongs to an older term or role, or to a probe that progress has moved past: ignore it.</summary>
    Stale,

    /// <summary>The reply carried a higher term; this node is now a follower in that term. Stop replicating.</summary>
    SteppedDown,

    /// <summary>The follower accepted; MatchIndex/NextIndex moved as far as the reply proves and CommitIndex may have advanced.</summary>
    Accepted,

    /// <summary>The follower rejected at PrevLogIndex; NextIndex moved back using the conflict hints. Send again now.</summary>
    BackedOff,

    /// <summary>NextIndex fell at or below the leader's snapshot: the next BuildOutbound yields InstallSnapshot.</summary>
    NeedsSnapshot,
}
