using Raft.Grains.Interfaces;

namespace Raft.Grains.Protocol;

public sealed partial class RaftNode
{
    /// <summary>
    /// The service proposes a command (6.5840 Start). A leader appends it in its term; it counts towards commit once the
    /// driver has persisted it and reported <see cref="OnLocalPersisted"/>. Anyone else returns IsLeader = false.
    /// </summary>
    public StartResult Propose(byte[] command)
    {
        ArgumentNullException.ThrowIfNull(command);
        if (Role != RaftRole.Leader)
        {
            return new StartResult(Index: 0, CurrentTerm, IsLeader: false, LeaderHint: LeaderId);
        }
        var entry = new LogEntry(_log.LastIndex + 1, CurrentTerm, command);
        AppendToLog([entry]);
        return new StartResult(entry.Index, entry.Term, IsLeader: true, LeaderHint: Id);
    }

    /// <summary>
    /// The seeds' buildOutbound: what to send <paramref name="peer"/> now, chosen from its NextIndex. InstallSnapshot when
    /// the entries it needs are compacted; otherwise AppendEntries from NextIndex, carrying entries only when
    /// <paramref name="withEntries"/> (a heartbeat carries none). Null when this node is not leader.
    /// </summary>
    public OutboundRequest? BuildOutbound(string peer, bool withEntries, int maxEntries = int.MaxValue, long maxBytes = long.MaxValue)
    {
        RequirePeer(peer);
        if (Role != RaftRole.Leader)
        {
            return null;
        }
        var next = Math.Min(_progress[peer].NextIndex, _log.LastIndex + 1);
        if (next <= _log.SnapshotIndex)
        {
            return OutboundRequest.Snapshot(new InstallSnapshotRequest(
                CurrentTerm, Id, _log.SnapshotIndex, _log.SnapshotTerm, SnapshotData ?? []));
        }
        var prevIndex = next - 1;
        var entries = withEntries ? _log.Slice(next, maxEntries, maxBytes) : [];
        return OutboundRequest.Append(new AppendEntriesRequest(
            CurrentTerm, Id, prevIndex, _log.TermAt(prevIndex)!.Value, entries, CommitIndex));
    }

    /// <summary>
    /// The seeds' handleAppendReply: the one place an AppendEntries reply changes leader state. Higher term: step down.
    /// Different term or role since the request: stale. Success: MatchIndex = PrevLogIndex + Entries.Length (never
    /// backwards) and commit may advance. Conflict: NextIndex backs up by whole terms using the hints.
    /// </summary>
    public ReplicationOutcome HandleAppendReply(string peer, AppendEntriesRequest request, AppendEntriesResponse reply)
    {
        RequirePeer(peer);
        if (reply.Term > CurrentTerm)
        {
            AdoptHigherTerm(reply.Term);
            return ReplicationOutcome.SteppedDown;
        }
        if (Role != RaftRole.Leader || request.Term != CurrentTerm || reply.Term != CurrentTerm)
        {
            return ReplicationOutcome.Stale;
        }

        var progress = _progress[peer];
        if (reply.Success)
        {
            var match = Math.Max(progress.MatchIndex, request.PrevLogIndex + request.Entries.Length);
            _progress[peer] = new PeerProgress(Math.Max(progress.NextIndex, match + 1), match);
            TryAdvanceCommitIndex();
            return ReplicationOutcome.Accepted;
        }

        // A rejection only tells us something about the probe it answers; once progress moved on, a reordered
        // rejection would drag NextIndex around for nothing.
        if (request.PrevLogIndex != progress.NextIndex - 1)
        {
            return ReplicationOutcome.Stale;
        }
        var next = NextIndexAfterConflict(reply);
        // Strictly below the rejected probe (so the loop always moves) and never below what is proven to match.
        next = Math.Max(Math.Min(next, request.PrevLogIndex), progress.MatchIndex + 1);
        _progress[peer] = progress with { NextIndex = next };
        return next <= _log.SnapshotIndex ? ReplicationOutcome.NeedsSnapshot : ReplicationOutcome.BackedOff;
    }

    /// <summary>
    /// An InstallSnapshot reply. A reply in the same term means the follower now holds everything through
    /// LastIncludedIndex: either it installed the snapshot or it had already committed that far.
    /// </summary>
    public ReplicationOutcome HandleInstallSnapshotReply(string peer, InstallSnapshotRequest request, InstallSnapshotResponse reply)
    {
        RequirePeer(peer);
        if (reply.Term > CurrentTerm)
        {
            AdoptHigherTerm(reply.Term);
            return ReplicationOutcome.SteppedDown;
        }
        if (Role != RaftRole.Leader || request.Term != CurrentTerm || reply.Term != CurrentTerm)
        {
            return ReplicationOutcome.Stale;
        }
        var progress = _progress[peer];
        var match = Math.Max(progress.MatchIndex, request.LastIncludedIndex);
        _progress[peer] = new PeerProgress(Math.Max(progress.NextIndex, match + 1), match);
        TryAdvanceCommitIndex();
        return ReplicationOutcome.Accepted;
    }

    /// <summary>
    /// The 6.5840 fast backup: follower log too short -> its length; leader has the conflicting term -> just past the
    /// leader's last entry of it; otherwise -> the follower's first entry of that term.
    /// </summary>
    private long NextIndexAfterConflict(AppendEntriesResponse reply)
    {
        if (reply.ConflictTerm == AppendEntriesResponse.NoConflictTerm)
        {
            return reply.ConflictIndex;
        }
        var lastOfTerm = _log.LastIndexOfTerm(reply.ConflictTerm);
        return lastOfTerm is { } last ? last + 1 : reply.ConflictIndex;
    }

    /// <summary>
    /// Figure 2, leaders: commitIndex = the highest N held by a majority with log[N].term == currentTerm (the Figure 8
    /// rule). The leader's own copy counts only once durable (<see cref="LocalDurableIndex"/>).
    /// Returns whether the commit index moved.
    /// </summary>
    private bool TryAdvanceCommitIndex()
    {
        if (Role != RaftRole.Leader)
        {
            return false;
        }
        var matches = new long[_peers.Length + 1];
        matches[0] = LocalDurableIndex;
        for (var i = 0; i < _peers.Length; i++)
        {
            matches[i + 1] = _progress[_peers[i]].MatchIndex;
        }
        Array.Sort(matches);
        // The Quorum-th highest value is held by at least Quorum members.
        var majorityIndex = matches[matches.Length - Quorum];
        // Terms never decrease along the log, so if the entry at majorityIndex is from an older term, every lower one is too.
        if (majorityIndex <= CommitIndex || _log.TermAt(majorityIndex) != CurrentTerm)
        {
            return false;
        }
        CommitIndex = majorityIndex;
        return true;
    }
}
