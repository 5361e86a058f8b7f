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
    /// What to send <paramref name="peer"/> from its NextIndex, ignoring flow control and recording nothing: InstallSnapshot
    /// when the entries it needs are compacted, otherwise AppendEntries from NextIndex, carrying entries only when
    /// <paramref name="withEntries"/>. Null when this node is not leader. For tests and tools that step messages by hand;
    /// a driver sends <see cref="NextAppend"/> and <see cref="Heartbeat"/>, which keep the in-flight window.
    /// </summary>
    public OutboundRequest? BuildOutbound(string peer, bool withEntries, int maxEntries = int.MaxValue, long maxBytes = long.MaxValue)
    {
        var progress = ProgressFor(peer);
        if (Role != RaftRole.Leader)
        {
            return null;
        }
        var next = Math.Min(progress.Next, _log.LastIndex + 1);
        if (next <= _log.SnapshotIndex)
        {
            return OutboundRequest.Snapshot(SnapshotRequest());
        }
        var entries = withEntries ? _log.Slice(next, maxEntries, maxBytes) : [];
        return OutboundRequest.Append(AppendRequest(next - 1, entries));
    }

    /// <summary>
    /// The one place an AppendEntries reply (to an append or a heartbeat) changes leader state. Higher term: step down.
    /// Different term or role since the request: stale. Success: MatchIndex = PrevLogIndex + Entries.Length (never
    /// backwards), the window frees what that covers, a probe turns into Replicate, and commit may advance. Rejection:
    /// NextIndex backs up by whole terms using the hints and the follower is probed, one append at a time; a rejected
    /// append that was overtaken by an earlier one, whose start is proven by now, is sent again from MatchIndex. A reply from
    /// a newer incarnation of the follower first drops what was in flight to the older one (probe from MatchIndex).
    /// </summary>
    public ReplicationOutcome HandleAppendReply(string peer, AppendEntriesRequest request, AppendEntriesResponse reply)
    {
        var progress = ProgressFor(peer);
        if (reply.Term > CurrentTerm)
        {
            AdoptHigherTerm(reply.Term);
            return ReplicationOutcome.SteppedDown;
        }
        if (Role != RaftRole.Leader || request.Term != CurrentTerm || reply.Term != CurrentTerm)
        {
            return ReplicationOutcome.Stale;
        }
        progress.RecentActive = true;
        progress.ObserveIncarnation(reply.Incarnation);
        if (reply.Success)
        {
            var acknowledged = request.PrevLogIndex + request.Entries.Length;
            progress.MaybeUpdate(acknowledged);
            switch (progress.State)
            {
                case ReplicationState.Probe when acknowledged == progress.Match:
                    // Where the logs match is known now: send optimistically from there.
                    progress.BecomeReplicate();
                    break;
                case ReplicationState.Replicate:
                    progress.FreeThrough(progress.Match);
                    break;
                case ReplicationState.Snapshot when progress.Match >= _log.SnapshotIndex:
                    // A late success showed the follower does not need the snapshot after all.
                    progress.BecomeReplicate();
                    break;
            }
            UnpauseProbeOnHeartbeatReply(progress, request);
            TryAdvanceCommitIndex();
            return ReplicationOutcome.Accepted;
        }

        switch (progress.State)
        {
            case ReplicationState.Replicate when request.PrevLogIndex > progress.Match:
                // An append past what is proven did not fit (a conflict, or an earlier append was lost or overtaken):
                // everything after Match in flight is suspect. Probe from the hint.
                progress.BecomeProbe();
                break;
            case ReplicationState.Replicate when request.PrevLogIndex + request.Entries.Length > progress.Match:
                // This append overtook an earlier one (grain calls are not kept in order) and was refused before that one
                // filled the gap; the earlier one's success has proven the logs match through Match since. The entries
                // past Match were in no append the follower took, and nothing else would send them again: with no new
                // proposals the follower would stay behind for good. Resend from Match, still optimistically.
                progress.BecomeReplicate();
                return ReplicationOutcome.BackedOff;
            case ReplicationState.Probe when request.PrevLogIndex == progress.Next - 1:
                progress.OnProbeLost(); // answered: the next probe goes from the new NextIndex
                break;
            default:
                // A rejection only says something about the probe it answers; once progress moved on (or a snapshot is
                // on its way), a reordered rejection would drag NextIndex around for nothing.
                UnpauseProbeOnHeartbeatReply(progress, request);
                return ReplicationOutcome.Stale;
        }
        var next = NextIndexAfterConflict(reply);
        // Strictly below the rejected probe (so probing always moves) and never below what is proven to match.
        progress.Next = Math.Max(Math.Min(next, request.PrevLogIndex), progress.Match + 1);
        return progress.Next <= _log.SnapshotIndex ? ReplicationOutcome.NeedsSnapshot : ReplicationOutcome.BackedOff;
    }

    /// <summary>
    /// etcd: a heartbeat's answer lets the next probe go, so a probe whose reply was lost is retried once per heartbeat
    /// rather than after a timeout.
    /// </summary>
    private static void UnpauseProbeOnHeartbeatReply(FollowerProgress progress, AppendEntriesRequest request)
    {
        if (request.Entries.Length == 0 && progress.State == ReplicationState.Probe)
        {
            progress.OnProbeLost();
        }
    }

    /// <summary>
    /// An InstallSnapshot reply. A reply in the same term means the follower now holds everything through
    /// LastIncludedIndex: either it installed the snapshot or it had already committed that far, so the leader goes on
    /// optimistically from there.
    /// </summary>
    public ReplicationOutcome HandleInstallSnapshotReply(string peer, InstallSnapshotRequest request, InstallSnapshotResponse reply)
    {
        var progress = ProgressFor(peer);
        if (reply.Term > CurrentTerm)
        {
            AdoptHigherTerm(reply.Term);
            return ReplicationOutcome.SteppedDown;
        }
        if (Role != RaftRole.Leader || request.Term != CurrentTerm || reply.Term != CurrentTerm)
        {
            return ReplicationOutcome.Stale;
        }
        progress.RecentActive = true;
        progress.ObserveIncarnation(reply.Incarnation);
        progress.MaybeUpdate(request.LastIncludedIndex);
        if (progress.State == ReplicationState.Replicate)
        {
            progress.FreeThrough(progress.Match);
        }
        else
        {
            progress.BecomeReplicate();
        }
        TryAdvanceCommitIndex();
        return ReplicationOutcome.Accepted;
    }

    /// <summary>
    /// Check-quorum (thesis §6.2, etcd's CheckQuorum): the driver calls this once per interval (at least an election
    /// timeout). A leader that heard no reply of its term from a majority (itself included) since the last check steps
    /// down to follower in the same term: it cannot commit anything, and it stops taking proposals that could never
    /// commit. Returns whether this node is still leader. Nothing to persist (term and vote are unchanged).
    /// </summary>
    public bool CheckQuorum()
    {
        if (Role != RaftRole.Leader)
        {
            return false;
        }
        var active = 1;
        foreach (var progress in _progress.Values)
        {
            if (progress.RecentActive)
            {
                active++;
            }
            progress.RecentActive = false;
        }
        if (active >= Quorum)
        {
            return true;
        }
        Role = RaftRole.Follower;
        LeaderId = null;
        return false;
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
            matches[i + 1] = _progress[_peers[i]].Match;
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
