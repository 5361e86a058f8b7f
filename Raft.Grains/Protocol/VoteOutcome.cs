namespace Raft.Grains.Protocol;

/// <summary>What a candidate learned from a RequestVote reply.</summary>
public enum VoteOutcome
{
    /// <summary>The reply is for an earlier election, or this node is no longer a candidate.</summary>
    Stale,

    /// <summary>The voter had a higher term; this node is now a follower in that term.</summary>
    SteppedDown,

    NotGranted,

    /// <summary>The vote counted but there is no majority yet.</summary>
    Granted,

    /// <summary>This vote completed a majority: the node is now leader. Send heartbeats at once.</summary>
    BecameLeader,
}
