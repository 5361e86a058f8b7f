using Raft.Grains.Interfaces;

namespace Raft.Grains.Protocol;

/// <summary>
/// What a leader sends each follower, under flow control (etcd raft's Progress): appends from <see cref="NextAppend"/>
/// while the follower's state admits one, heartbeats from <see cref="Heartbeat"/> whatever is in flight, and reports of
/// messages that never got an answer.
/// </summary>
public sealed partial class RaftNode
{
    /// <summary>
    /// The next message for <paramref name="peer"/>, recorded as in flight, or null when there is nothing to send: not
    /// leader, the follower is paused (a probe or snapshot unanswered, or the window full), or it has every entry. An
    /// InstallSnapshot when the entries it needs are compacted (the follower then waits in Snapshot state). A driver
    /// calls it until null after anything that may unpause the follower or add entries: a reply, a loss, a proposal.
    /// </summary>
    public OutboundRequest? NextAppend(string peer)
    {
        var progress = ProgressFor(peer);
        if (Role != RaftRole.Leader || progress.IsPaused)
        {
            return null;
        }
        var next = Math.Min(progress.Next, _log.LastIndex + 1);
        if (next <= _log.SnapshotIndex)
        {
            progress.BecomeSnapshot(_log.SnapshotIndex);
            return OutboundRequest.Snapshot(SnapshotRequest());
        }
        if (next > _log.LastIndex)
        {
            return null; // nothing new: heartbeats carry the commit index, and probe in Probe state
        }
        var entries = _log.Slice(next, Limits.MaxEntriesPerAppend, Limits.MaxBytesPerAppend);
        long bytes = 0;
        foreach (var entry in entries)
        {
            bytes += RaftLog.EstimatedSize(entry);
        }
        progress.OnSent(entries[^1].Index, bytes);
        return OutboundRequest.Append(AppendRequest(next - 1, entries));
    }

    /// <summary>
    /// An empty AppendEntries for <paramref name="peer"/>, sent on every heartbeat tick whatever is in flight (null when
    /// not leader). It asserts leadership and carries the commit index. Its PrevLogIndex is MatchIndex in Replicate and
    /// Snapshot state (it must not fail on entries still in flight), and NextIndex - 1 in Probe state, where it probes.
    /// </summary>
    public AppendEntriesRequest? Heartbeat(string peer)
    {
        var progress = ProgressFor(peer);
        if (Role != RaftRole.Leader)
        {
            return null;
        }
        var prev = progress.State == ReplicationState.Probe ? progress.Next - 1 : progress.Match;
        // Below the snapshot no term is known; the follower either holds the snapshot point or rejects, which is harmless.
        prev = Math.Clamp(prev, _log.SnapshotIndex, _log.LastIndex);
        return AppendRequest(prev, []);
    }

    /// <summary>
    /// An AppendEntries to <paramref name="peer"/> got no answer (dropped, timed out, peer unreachable). In Replicate
    /// state an append past MatchIndex leaves a hole the later ones cannot fill: probe again from MatchIndex + 1. In
    /// Probe state the next probe may go. Anything about an older term or a heartbeat is ignored.
    /// </summary>
    public void ReportAppendLost(string peer, AppendEntriesRequest request)
    {
        var progress = ProgressFor(peer);
        if (Role != RaftRole.Leader || request.Term != CurrentTerm || request.Entries.Length == 0)
        {
            return;
        }
        switch (progress.State)
        {
            case ReplicationState.Replicate when request.PrevLogIndex + request.Entries.Length > progress.Match:
                progress.BecomeProbe();
                break;
            case ReplicationState.Probe when request.PrevLogIndex == progress.Next - 1:
                progress.OnProbeLost();
                break;
        }
    }

    /// <summary>An InstallSnapshot to <paramref name="peer"/> got no answer: back to Probe, which sends it again.</summary>
    public void ReportSnapshotLost(string peer, InstallSnapshotRequest request)
    {
        var progress = ProgressFor(peer);
        if (Role != RaftRole.Leader || request.Term != CurrentTerm)
        {
            return;
        }
        if (progress.State == ReplicationState.Snapshot && progress.PendingSnapshot == request.LastIncludedIndex)
        {
            progress.BecomeProbe();
        }
    }

    private AppendEntriesRequest AppendRequest(long prevIndex, LogEntry[] entries) =>
        new(CurrentTerm, Id, prevIndex, _log.TermAt(prevIndex)!.Value, entries, CommitIndex);

    private InstallSnapshotRequest SnapshotRequest() =>
        new(CurrentTerm, Id, _log.SnapshotIndex, _log.SnapshotTerm, SnapshotData ?? []);
}
