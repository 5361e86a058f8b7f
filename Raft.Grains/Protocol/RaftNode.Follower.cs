using Raft.Grains.Interfaces;

namespace Raft.Grains.Protocol;

public sealed partial class RaftNode
{
    /// <summary>
    /// AppendEntries receiver (Figure 2). Entries at or below the snapshot index are skipped: they are committed, so they
    /// already match the leader's. Only an entry whose term differs truncates, so a stale or duplicated request can
    /// never remove entries this follower holds.
    /// </summary>
    public InboundResult<AppendEntriesResponse> HandleAppendEntries(AppendEntriesRequest request)
    {
        if (request.Term > CurrentTerm)
        {
            AdoptHigherTerm(request.Term);
        }
        if (request.Term < CurrentTerm)
        {
            return new(Reject(AppendEntriesResponse.NoConflictTerm, conflictIndex: 0), ResetElectionTimer: false);
        }
        FollowLeader(request.LeaderId);

        var prevIndex = request.PrevLogIndex;
        if (prevIndex > _log.LastIndex)
        {
            return new(Reject(AppendEntriesResponse.NoConflictTerm, conflictIndex: _log.LastIndex + 1), ResetElectionTimer: true);
        }
        if (prevIndex >= _log.SnapshotIndex)
        {
            var localTerm = _log.TermAt(prevIndex)!.Value;
            if (localTerm != request.PrevLogTerm)
            {
                // XTerm/XIndex: the leader skips the whole conflicting term in one round trip. The search sees only
                // retained entries (null when prevIndex is the snapshot point), so the hint never points into the snapshot.
                var firstOfTerm = _log.FirstIndexOfTerm(localTerm) ?? _log.FirstIndex;
                return new(Reject(localTerm, firstOfTerm), ResetElectionTimer: true);
            }
        }

        MergeEntries(request);

        // Figure 2 rule 5: only as far as this request proves the log matches the leader, never further.
        var lastVerifiedIndex = prevIndex + request.Entries.Length;
        var newCommit = Math.Min(request.LeaderCommit, lastVerifiedIndex);
        if (newCommit > CommitIndex)
        {
            CommitIndex = newCommit;
        }
        return new(new AppendEntriesResponse(CurrentTerm, Success: true, AppendEntriesResponse.NoConflictTerm, 0, _log.LastIndex, Incarnation),
            ResetElectionTimer: true);
    }

    /// <summary>
    /// InstallSnapshot receiver (Figure 13, whole snapshot in one message). Ignored when the commit index already
    /// covers it. Keeps the log suffix when the entry at lastIncludedIndex matches, otherwise discards the log.
    /// </summary>
    public InstallSnapshotResult HandleInstallSnapshot(InstallSnapshotRequest request)
    {
        if (request.Term > CurrentTerm)
        {
            AdoptHigherTerm(request.Term);
        }
        if (request.Term < CurrentTerm)
        {
            return new(new InstallSnapshotResponse(CurrentTerm, Incarnation), ResetElectionTimer: false, SnapshotToApply: null);
        }
        FollowLeader(request.LeaderId);

        var index = request.LastIncludedIndex;
        if (index <= CommitIndex)
        {
            // Everything it covers is committed here already (in the log or an own snapshot); installing could only move
            // lastApplied backwards.
            return new(new InstallSnapshotResponse(CurrentTerm, Incarnation), ResetElectionTimer: true, SnapshotToApply: null);
        }

        if (_log.TermAt(index) == request.LastIncludedTerm)
        {
            _log.CompactTo(index, request.LastIncludedTerm);
            OnCompacted();
        }
        else
        {
            _log.ResetToSnapshot(index, request.LastIncludedTerm);
            OnLogDiscarded();
        }
        SnapshotData = request.Data;
        MarkSnapshotDirty();
        CommitIndex = index;

        var apply = ApplyMsg.ForSnapshot(request.Data, index, request.LastIncludedTerm);
        return new(new InstallSnapshotResponse(CurrentTerm, Incarnation), ResetElectionTimer: true, apply);
    }

    /// <summary>Figure 2 rules 3 and 4, after the consistency check passed at PrevLogIndex (or below the snapshot).</summary>
    private void MergeEntries(AppendEntriesRequest request)
    {
        var entries = request.Entries;
        for (var i = 0; i < entries.Length; i++)
        {
            if (entries[i].Index != request.PrevLogIndex + 1 + i)
            {
                // A malformed request is a sender bug; reject it before touching the log.
                throw new ArgumentException(
                    $"AppendEntries from '{request.LeaderId}' is malformed: entry {i} has index {entries[i].Index}, expected {request.PrevLogIndex + 1 + i}.",
                    nameof(request));
            }
        }
        for (var i = 0; i < entries.Length; i++)
        {
            var entry = entries[i];
            if (entry.Index <= _log.SnapshotIndex)
            {
                continue;
            }
            if (entry.Index > _log.LastIndex)
            {
                AppendToLog(entries.AsSpan(i));
                return;
            }
            if (_log.TermAt(entry.Index) != entry.Term)
            {
                TruncateLogFrom(entry.Index);
                AppendToLog(entries.AsSpan(i));
                return;
            }
        }
    }

    private AppendEntriesResponse Reject(long conflictTerm, long conflictIndex) =>
        new(CurrentTerm, Success: false, conflictTerm, conflictIndex, _log.LastIndex, Incarnation);
}
