using Microsoft.Extensions.Logging;
using Raft.Grains.Interfaces;
using Raft.Grains.Protocol;

namespace Raft.Grains;

/// <summary>
/// Leader replication, driven by the core's flow control (<see cref="RaftNode.NextAppend"/>): after every event that
/// may let more go out to a follower (a proposal, a reply, a heartbeat tick) the grain sends whatever the follower's
/// progress admits — one probe, a window of appends, or one InstallSnapshot — each as its own call whose reply is
/// handled when it arrives. Heartbeats go out on every tick beside whatever is in flight, so a lost or late reply
/// never delays the next heartbeat. A lost message is retried from the next tick, never in a tight loop.
/// </summary>
public sealed partial class RaftPeer
{
    /// <summary>The followers of the current leadership term (null when not leader); a new term gets new ones.</summary>
    private Dictionary<string, FollowerLink>? _followers;

    /// <summary>While leading: fires once, <see cref="RaftOptions.CommitNoticeDelay"/> after it is armed.</summary>
    private IPeerTimer? _commitNoticeTimer;

    private bool _commitNoticeArmed;

    /// <summary>Heartbeat tick: an empty AppendEntries to every follower, and whatever its progress admits besides.</summary>
    private void BroadcastHeartbeat()
    {
        if (_followers is null)
        {
            return;
        }
        foreach (var follower in _followers.Values)
        {
            SendHeartbeat(follower);
            SendAppends(follower);
        }
    }

    /// <summary>New entries (a proposal): send them now rather than at the next tick.</summary>
    private void BroadcastAppend()
    {
        if (_followers is null)
        {
            return;
        }
        foreach (var follower in _followers.Values)
        {
            SendAppends(follower);
        }
    }

    /// <summary>Sends every message the follower's progress admits now (none while it is paused).</summary>
    private void SendAppends(FollowerLink follower)
    {
        while (IsLeaderOf(follower.Term) && _node.NextAppend(follower.Peer) is { } outbound)
        {
            if (outbound.InstallSnapshot is { } snapshot)
            {
                _ = SendSnapshotAsync(follower, snapshot);
            }
            else
            {
                SendAppend(follower, outbound.AppendEntries!);
            }
        }
    }

    private void SendHeartbeat(FollowerLink follower)
    {
        if (IsLeaderOf(follower.Term) && _node.Heartbeat(follower.Peer) is { } heartbeat)
        {
            SendAppend(follower, heartbeat);
        }
    }

    private void SendAppend(FollowerLink follower, AppendEntriesRequest request)
    {
        _metrics?.AppendSent(request.Entries.Length);
        follower.ObserveSent(request);
        _ = AppendAsync(follower, request);
    }

    /// <summary>
    /// The leader's commit index moved: wake the applier, and have followers told within
    /// <see cref="RaftOptions.CommitNoticeDelay"/> rather than at the next tick.
    /// </summary>
    private void OnCommitAdvanced()
    {
        WakeApplier();
        ScheduleCommitNotices();
    }

    /// <summary>
    /// Arms the commit notice timer unless it is armed already. Waiting lets the next proposal's append carry the commit
    /// index: telling at once costs an empty append per entry per follower when proposals come one round trip apart.
    /// </summary>
    private void ScheduleCommitNotices()
    {
        if (_commitNoticeTimer is null || _commitNoticeArmed || !_node.IsLeader)
        {
            return;
        }
        _commitNoticeArmed = true;
        _commitNoticeTimer.Change(_options.CommitNoticeDelay, Timeout.InfiniteTimeSpan);
    }

    private Task OnCommitNoticeTimerAsync(CancellationToken cancellationToken)
    {
        _commitNoticeArmed = false;
        if (_followers is not null)
        {
            foreach (var follower in _followers.Values)
            {
                SendCommitNoticeIfNeeded(follower);
            }
        }
        return Task.CompletedTask;
    }

    /// <summary>
    /// An empty append with the commit index to a follower that holds committed entries it has not been told about. A
    /// follower with appends in flight learns it from the next message after their replies; at most one notice is in
    /// flight per follower.
    /// </summary>
    private void SendCommitNoticeIfNeeded(FollowerLink follower)
    {
        if (follower.CommitNoticeInFlight || !IsLeaderOf(follower.Term))
        {
            return;
        }
        var progress = _node.ProgressOf(follower.Peer);
        if (progress.InflightAppends > 0 || !CanLearnMoreCommit(follower))
        {
            return;
        }
        if (_node.Heartbeat(follower.Peer) is { } notice)
        {
            follower.CommitNoticeInFlight = true;
            follower.ObserveSent(notice);
            _ = AppendAsync(follower, notice, isCommitNotice: true);
        }
    }

    /// <summary>The follower holds committed entries that no message sent to it in this term could have told it of.</summary>
    private bool CanLearnMoreCommit(FollowerLink follower) =>
        Math.Min(_node.CommitIndex, _node.ProgressOf(follower.Peer).MatchIndex) > follower.LastSentCommit;

    private bool IsLeaderOf(long term) => !_stopped && _failure is null && _node.IsLeader && _node.CurrentTerm == term;

    /// <summary>One AppendEntries (append, heartbeat or commit notice) and its reply, whenever that arrives.</summary>
    private async Task AppendAsync(FollowerLink follower, AppendEntriesRequest request, bool isCommitNotice = false)
    {
        var sent = _time.GetTimestamp();
        try
        {
            await ExchangeAsync(follower, nameof(AppendEntries), request.Term,
                () => _host.AppendEntriesAsync(follower.Peer, request, _options.RpcTimeout),
                () => _node.ReportAppendLost(follower.Peer, request),
                response =>
                {
                    var outcome = _node.HandleAppendReply(follower.Peer, request, response);
                    _metrics?.AppendAnswered(follower.Peer, _time.GetElapsedTime(sent), _node.Log.LastIndex - _node.ProgressOf(follower.Peer).MatchIndex);
                    _logger.LogTrace("Raft peer {Peer} in term {Term}: AppendEntries {PrevIndex}+{Count} to {Follower}: {Outcome}",
                        _id, request.Term, request.PrevLogIndex, request.Entries.Length, follower.Peer, outcome);
                });
        }
        finally
        {
            if (isCommitNotice)
            {
                follower.CommitNoticeInFlight = false;
            }
        }
    }

    private Task SendSnapshotAsync(FollowerLink follower, InstallSnapshotRequest request) =>
        ExchangeAsync(follower, nameof(InstallSnapshot), request.Term,
            () => _host.InstallSnapshotAsync(follower.Peer, request, _options.InstallSnapshotTimeout),
            () => _node.ReportSnapshotLost(follower.Peer, request),
            response =>
            {
                var outcome = _node.HandleInstallSnapshotReply(follower.Peer, request, response);
                _logger.LogDebug("Raft peer {Peer} in term {Term}: InstallSnapshot through {Index} to {Follower}: {Outcome}",
                    _id, request.Term, request.LastIncludedIndex, follower.Peer, outcome);
            });

    /// <summary>
    /// One call to a follower and its reply. A lost call is reported to the core (which ignores a loss from an older
    /// term; the next tick sends again); a reply is handed to the core, then <see cref="AfterReplyAsync"/> acts on it.
    /// </summary>
    private async Task ExchangeAsync<TResponse>(
        FollowerLink follower,
        string rpc,
        long term,
        Func<Task<TResponse>> call,
        Action reportLost,
        Action<TResponse> handleReply)
    {
        try
        {
            TResponse response;
            try
            {
                response = await call();
            }
            catch (Exception exception)
            {
                LogLostRpc(rpc, follower.Peer, term, exception);
                if (!_stopped)
                {
                    reportLost();
                }
                return;
            }
            if (_stopped)
            {
                return;
            }
            var commitBefore = _node.CommitIndex;
            follower.LastContact = _time.GetUtcNow();
            handleReply(response);
            await AfterReplyAsync(follower, commitBefore);
        }
        catch (Exception exception)
        {
            _logger.LogWarning(exception, "Raft peer {Peer} in term {Term}: {Rpc} to {Follower} failed", _id, term, rpc, follower.Peer);
        }
    }

    /// <summary>
    /// After the core took a reply: act on a step-down (persist the new term), on a commit advance, and send what the
    /// reply let go (a freed window, the next probe after a back-off, appends after a snapshot).
    /// </summary>
    private async Task AfterReplyAsync(FollowerLink follower, long commitBefore)
    {
        ObserveRoleChange();
        if (_node.HasUnpersistedChanges)
        {
            await PersistAsync(); // stepped down to a higher term
        }
        if (_node.CommitIndex > commitBefore)
        {
            OnCommitAdvanced();
        }
        if (!IsLeaderOf(follower.Term))
        {
            return;
        }
        SendAppends(follower);
        if (CanLearnMoreCommit(follower))
        {
            ScheduleCommitNotices();
        }
    }

    /// <summary>What the grain keeps per follower in one leadership term, beside the core's progress.</summary>
    private sealed class FollowerLink(string peer, long term)
    {
        public string Peer { get; } = peer;

        public long Term { get; } = term;

        /// <summary>
        /// The highest commit index a message sent to this follower in this term can tell it: LeaderCommit, capped at
        /// what the message proves the follower holds (Figure 2: min(leaderCommit, index of last new entry)). A heartbeat
        /// sent while appends are in flight tells only up to MatchIndex, so their replies may still call for a notice.
        /// </summary>
        public long LastSentCommit { get; private set; }

        public void ObserveSent(AppendEntriesRequest request) =>
            LastSentCommit = Math.Max(LastSentCommit, Math.Min(request.LeaderCommit, request.PrevLogIndex + request.Entries.Length));

        /// <summary>A heartbeat sent only to tell a new commit index is unanswered.</summary>
        public bool CommitNoticeInFlight { get; set; }

        /// <summary>When the last reply of this term arrived (null before the first), for status pages.</summary>
        public DateTimeOffset? LastContact { get; set; }
    }

    /// <summary>The leader's view of each follower, for <see cref="GetStatus"/>.</summary>
    private FollowerStatus[] FollowerStatuses() =>
        _followers!.Values.Select(follower =>
        {
            var progress = _node.ProgressOf(follower.Peer);
            return new FollowerStatus(follower.Peer, progress.MatchIndex, progress.NextIndex, progress.State.ToString(),
                _node.Log.LastIndex - progress.MatchIndex, follower.LastContact);
        }).ToArray();
}
