using Orleans;

namespace Raft.Grains.Interfaces;

/// <summary>
/// One peer's view of itself: the 6.5840 GetState (Term, IsLeader) plus what status pages and tests need.
/// <paramref name="Role"/> is "Follower", "Candidate" or "Leader" (a string so the contract does not depend on
/// how the wire serializer encodes enums).
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
    long SnapshotTerm);
