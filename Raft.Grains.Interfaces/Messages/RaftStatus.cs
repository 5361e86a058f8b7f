using Orleans;

namespace Raft.Grains.Interfaces;

/// <summary>
/// One peer's view of itself: the 6.5840 GetState (Term, IsLeader) plus what status pages and tests need.
/// <paramref name="Role"/> is "Follower", "Candidate" or "Leader" (a string so the contract does not depend on
/// how the wire serializer encodes enums). <paramref name="Followers"/> is the leader's replication progress per
/// follower (null on followers and candidates); appended last, as positional members must be, so older callers still read it.
/// </summary>
[GenerateSerializer, Immutable, Alias("raft.status")]
public sealed record RaftStatus(
    string Id,
    long Term,
    bool IsLeader,
    string Role,
    string? LeaderId,
    long CommitIndex,
    long LastApplied,
    long LastLogIndex,
    long LastLogTerm,
    long SnapshotIndex,
    long SnapshotTerm,
    FollowerStatus[]? Followers = null);

/// <summary>
/// How far a leader has replicated to one follower: <paramref name="MatchIndex"/> (proven held), <paramref name="NextIndex"/>
/// (the next entry to send), <paramref name="State"/> ("Probe", "Replicate" or "Snapshot"), <paramref name="Lag"/> (the
/// leader's last log index minus the match index) and <paramref name="LastContact"/> (the leader's clock when the last reply
/// of this leadership term arrived; null before the first).
/// </summary>
[GenerateSerializer, Immutable, Alias("raft.follower-status")]
public sealed record FollowerStatus(string Peer, long MatchIndex, long NextIndex, string State, long Lag, DateTimeOffset? LastContact);
