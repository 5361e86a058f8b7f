using Raft.Runtime;

namespace Raft.Grains.Interfaces;

/// <summary>RequestVote RPC arguments (Raft paper, Figure 2).</summary>
[GenerateSerializer, Immutable]
public sealed record RequestVoteRequest(long Term, string CandidateId, long LastLogIndex, long LastLogTerm);
