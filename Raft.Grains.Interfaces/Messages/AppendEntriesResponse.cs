using Orleans;

namespace Raft.Grains.Interfaces;

/// <summary>
/// AppendEntries RPC result, with the fast-backup hints of the 6.5840 labs (XTerm, XIndex, XLen) under clearer names.
/// <list type="bullet">
/// <item>Success: ConflictTerm = <see cref="NoConflictTerm"/>, ConflictIndex = 0.</item>
/// <item>Rejected because the follower's log is too short (PrevLogIndex &gt; its last index):
///   ConflictTerm = <see cref="NoConflictTerm"/>, ConflictIndex = follower's last index + 1 (the seeds' XLen).</item>
/// <item>Rejected because the terms differ at PrevLogIndex: ConflictTerm = the follower's term there (XTerm),
///   ConflictIndex = the first index the follower holds with that term (XIndex).</item>
/// <item>Rejected because the request's term is stale: Term &gt; request term, ConflictTerm = <see cref="NoConflictTerm"/>, ConflictIndex = 0.</item>
/// </list>
/// <paramref name="LastLogIndex"/> is the follower's last log index after handling the request (diagnostics and status).
/// <paramref name="Incarnation"/> identifies the follower's activation that answered (0: not told); it grows from one
/// activation to the next, so a leader that hears from a newer one knows that what it had in flight to the older one is
/// lost (wire-compatible: an older peer sends 0).
/// </summary>
[GenerateSerializer, Immutable, Alias("raft.append-entries-response")]
public sealed record AppendEntriesResponse(long Term, bool Success, long ConflictTerm, long ConflictIndex, long LastLogIndex, long Incarnation = 0)
{
    /// <summary>ConflictTerm when there is no conflicting entry to name (success, log too short, stale term).</summary>
    public const long NoConflictTerm = -1;
}
