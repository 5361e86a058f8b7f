namespace Raft.Grains.Protocol;

/// <summary>What a node asking for pre-votes learned from one reply.</summary>
public enum PreVoteOutcome
{
    /// <summary>The reply is for an earlier pre-vote, or the pre-vote ended (a leader or a new term was seen).</summary>
    Stale,

    /// <summary>The voter had a higher term and refused; this node is now a follower in that term.</summary>
    SteppedDown,

    NotGranted,

    /// <summary>The yes counted but there is no majority yet.</summary>
    Granted,

    /// <summary>A majority would vote for this node: start the real election now (<see cref="RaftNode.ElectionTimeout"/>).</summary>
    Won,
}
