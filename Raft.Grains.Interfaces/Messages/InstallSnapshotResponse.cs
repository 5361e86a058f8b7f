using Raft.Runtime;

namespace Raft.Grains.Interfaces;

/// <summary>InstallSnapshot RPC result: the follower's term after handling the request.</summary>
[GenerateSerializer, Immutable]
public sealed record InstallSnapshotResponse(long Term);
