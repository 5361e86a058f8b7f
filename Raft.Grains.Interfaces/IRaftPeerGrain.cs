using Raft.Runtime;
using Raft.Runtime.Concurrency;

namespace Raft.Grains.Interfaces;

/// <summary>
/// One Raft peer. The key is "{group}/{peer}" (for example "kv/0"); the group's members come from the
/// silo's Raft options. The first three methods are the Raft RPCs between peers; the rest is the
/// 6.5840 service-facing API (Start, GetState, Snapshot) plus status for operators.
/// </summary>
[DefaultGrainType("raftpeer")]
public interface IRaftPeerGrain : IGrainWithStringKey
{
    Task<RequestVoteResponse> RequestVote(RequestVoteRequest request);

    Task<AppendEntriesResponse> AppendEntries(AppendEntriesRequest request);

    Task<InstallSnapshotResponse> InstallSnapshot(InstallSnapshotRequest request);

    /// <summary>Proposes a command. On a follower: IsLeader = false and the known leader as a hint.</summary>
    Task<StartResult> Start(byte[] command);

    /// <summary>
    /// Proposes several commands, in order, at consecutive indexes starting at the result's Index, and returns as soon
    /// as they are appended, without waiting for this peer's own write (a service that waits for the entries to be
    /// applied learns of durability through commit; the leader counts its own copy only once durable). One call for a
    /// batch of requests instead of one Start each.
    /// </summary>
    Task<StartResult> Propose(byte[][] commands);

    /// <summary>The current term and whether this peer believes it is the leader.</summary>
    [AlwaysInterleave]
    Task<RaftState> GetState();

    /// <summary>The service has a snapshot covering everything up to <paramref name="index"/>; trim the log.</summary>
    Task Snapshot(long index, byte[] snapshot);

    /// <summary>Role, term, indexes and timing, for status tables and tests.</summary>
    [AlwaysInterleave]
    Task<RaftStatus> GetStatus();

    /// <summary>Bytes of persisted Raft state (hard state and log, not the snapshot): 6.5840's RaftStateSize.</summary>
    [AlwaysInterleave]
    Task<long> GetPersistedSize();

    /// <summary>Activates the peer (so its timers run) and returns once its persisted state is loaded.</summary>
    Task Wake();
}

[GenerateSerializer, Immutable]
public sealed record RaftState(long Term, bool IsLeader);
