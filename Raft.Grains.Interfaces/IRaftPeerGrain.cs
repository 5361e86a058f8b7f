using Orleans;
using Orleans.Concurrency;

namespace Raft.Grains.Interfaces;

/// <summary>
/// One Raft peer. The key is "{group}/{peer}" (for example "kv/0"); the group's members come from the
/// silo's Raft options. The first three methods are the Raft RPCs between peers; the rest is the
/// 6.5840 service-facing API (Start, GetState, Snapshot) plus status for operators. The RPCs take the caller's
/// short RPC timeout as a cancellation token: Orleans checks its own response timeout only about once a second.
/// Commands and snapshots are taken as they are, without the defensive copy Orleans makes of arguments inside a silo
/// (they are marked [Immutable]): a caller must not change an array after passing it.
/// </summary>
[Alias("raft.peer")]
public interface IRaftPeerGrain : IGrainWithStringKey
{
    [Alias("RequestVote")]
    Task<RequestVoteResponse> RequestVote(RequestVoteRequest request, CancellationToken cancellationToken = default);

    [Alias("AppendEntries")]
    Task<AppendEntriesResponse> AppendEntries(AppendEntriesRequest request, CancellationToken cancellationToken = default);

    [Alias("InstallSnapshot")]
    Task<InstallSnapshotResponse> InstallSnapshot(InstallSnapshotRequest request, CancellationToken cancellationToken = default);

    /// <summary>Proposes a command. On a follower: IsLeader = false and the known leader as a hint.</summary>
    [Alias("Start")]
    Task<StartResult> Start([Immutable] byte[] command);

    /// <summary>
    /// Proposes several commands, in order, at consecutive indexes starting at the result's Index, and returns as soon
    /// as they are appended, without waiting for this peer's own write (a service that waits for the entries to be
    /// applied learns of durability through commit; the leader counts its own copy only once durable). One call for a
    /// batch of requests instead of one Start each.
    /// </summary>
    [Alias("Propose")]
    Task<StartResult> Propose([Immutable] byte[][] commands);

    /// <summary>The current term and whether this peer believes it is the leader.</summary>
    [AlwaysInterleave]
    [Alias("GetState")]
    Task<RaftState> GetState();

    /// <summary>The service has a snapshot covering everything up to <paramref name="index"/>; trim the log.</summary>
    [Alias("Snapshot")]
    Task Snapshot(long index, [Immutable] byte[] snapshot);

    /// <summary>Role, term, indexes and timing, for status tables and tests.</summary>
    [AlwaysInterleave]
    [Alias("GetStatus")]
    Task<RaftStatus> GetStatus();

    /// <summary>Bytes of persisted Raft state (hard state and log, not the snapshot): 6.5840's RaftStateSize.</summary>
    [AlwaysInterleave]
    [Alias("GetPersistedSize")]
    Task<long> GetPersistedSize();

    /// <summary>Activates the peer (so its timers run) and returns once its persisted state is loaded.</summary>
    [Alias("Wake")]
    Task Wake();
}

[GenerateSerializer, Immutable, Alias("raft.state")]
public sealed record RaftState(long Term, bool IsLeader);
