namespace Raft.Grains.Protocol;

/// <summary>
/// The leader's replication state for one follower (Figure 2, "volatile state on leaders").
/// NextIndex is a guess that only affects efficiency; MatchIndex is proven by successful replies and never goes back.
/// </summary>
public readonly record struct PeerProgress(long NextIndex, long MatchIndex);
