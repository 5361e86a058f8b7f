using Orleans;

namespace Raft.Grains.Interfaces;

/// <summary>
/// AppendEntries RPC arguments (Raft paper, Figure 2). An empty <paramref name="Entries"/> is a heartbeat.
/// Entries are consecutive: Entries[i].Index == PrevLogIndex + 1 + i.
/// </summary>
[GenerateSerializer, Immutable, Alias("raft.append-entries-request")]
public sealed record AppendEntriesRequest(
    long Term,
    string LeaderId,
    long PrevLogIndex,
    long PrevLogTerm,
    LogEntry[] Entries,
    long LeaderCommit);
