using Raft.Grains.Interfaces;

namespace Raft.Grains.Protocol;

/// <summary>
/// The reply to an incoming RPC and whether the driver must restart its election timer: true on a vote granted and on
/// AppendEntries / InstallSnapshot from the leader of the current term.
/// </summary>
public readonly record struct InboundResult<TResponse>(TResponse Response, bool ResetElectionTimer);

/// <summary>
/// The reply to InstallSnapshot. <see cref="SnapshotToApply"/> is set when the snapshot was installed: the applier must
/// deliver it and move lastApplied to its index (<see cref="RaftNode.ApplyMessagesAfter"/> also yields it).
/// </summary>
public readonly record struct InstallSnapshotResult(InstallSnapshotResponse Response, bool ResetElectionTimer, ApplyMsg? SnapshotToApply);

/// <summary>
/// Result of an election timeout. When <see cref="Started"/> the node is a candidate in a new term and
/// <see cref="VoteRequest"/> goes to every peer; <see cref="BecameLeader"/> is true at once in a single-node group.
/// </summary>
public readonly record struct CampaignResult(bool Started, RequestVoteRequest? VoteRequest, bool BecameLeader);
