using Orleans;

namespace Raft.Grains.Interfaces;

/// <summary>RequestVote RPC result: the voter's term after handling the request, and whether it voted for the candidate.</summary>
[GenerateSerializer, Immutable, Alias("raft.request-vote-response")]
public sealed record RequestVoteResponse(long Term, bool VoteGranted);
