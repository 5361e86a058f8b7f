using Orleans;

namespace Raft.Grains.Interfaces;

/// <summary>
/// InstallSnapshot RPC result: the follower's term after handling the request, and the follower activation that
/// answered (see <see cref="AppendEntriesResponse.Incarnation"/>).
/// </summary>
[GenerateSerializer, Immutable, Alias("raft.install-snapshot-response")]
public sealed record InstallSnapshotResponse(long Term, long Incarnation = 0);
