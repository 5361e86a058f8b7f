using Orleans;

namespace Raft.Grains.Interfaces;

/// <summary>
/// Result of proposing a command (6.5840 Start): the index it will have if it commits and the leader's term.
/// When <paramref name="IsLeader"/> is false nothing was appended, Index is 0, Term is the peer's current term and
/// <paramref name="LeaderHint"/> names the leader this peer last heard from (null if none in its term).
/// </summary>
[GenerateSerializer, Immutable, Alias("raft.start-result")]
public sealed record StartResult(long Index, long Term, bool IsLeader, string? LeaderHint);
