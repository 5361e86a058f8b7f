using Orleans;

namespace Raft.Grains.Interfaces;

/// <summary>
/// RequestVote RPC arguments (Raft paper, Figure 2). <paramref name="PreVote"/>: the thesis' pre-vote (§9.6), asked
/// before a real election: "would you vote for me in <paramref name="Term"/>?" A voter answers it without changing its
/// term or vote, and refuses while it still hears from a leader.
/// </summary>
[GenerateSerializer, Immutable, Alias("raft.request-vote-request")]
public sealed record RequestVoteRequest(long Term, string CandidateId, long LastLogIndex, long LastLogTerm, bool PreVote = false);
