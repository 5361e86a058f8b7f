using Raft.Runtime;

namespace Raft.Grains.Interfaces;

/// <summary>
/// InstallSnapshot RPC result: the follower's term after handling the request, and the follower activation that
/// answered (see <see cref="AppendEntriesResponse.Incarnation"/>).
/// </summary>
[GenerateSerializer, Immutable]
public sealed record InstallSnapshotResponse(long Term, long Incarnation = 0);
