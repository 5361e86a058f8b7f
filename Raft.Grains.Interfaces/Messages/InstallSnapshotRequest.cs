using Orleans;

namespace Raft.Grains.Interfaces;

/// <summary>
/// InstallSnapshot RPC arguments (Raft paper, Figure 13), sent whole: no offset/done chunking.
/// <paramref name="Data"/> is the service's snapshot covering every entry up to LastIncludedIndex.
/// </summary>
[GenerateSerializer, Immutable, Alias("raft.install-snapshot-request")]
public sealed record InstallSnapshotRequest(long Term, string LeaderId, long LastIncludedIndex, long LastIncludedTerm, byte[] Data);
