using Microsoft.Extensions.Logging;
using Raft.Grains.Interfaces;
using Raft.Grains.Protocol;

namespace Raft.Grains;

/// <summary>Election timer, vote requests, heartbeat timer, and what happens when the role changes.</summary>
public sealed partial class RaftPeer
{
    private IPeerTimer? _electionTimer;
    private IPeerTimer? _heartbeatTimer;
    private Random _random = null!;

    // When this leader last checked that a majority answers (RaftOptions.CheckQuorum).
    private long _quorumCheckedAt;

    // When this follower last heard from the leader of its term (a valid AppendEntries or InstallSnapshot).
    private long _leaderContactAt;

    // When the election timer was last armed and for how long: a tick queued before a reset must not start an election.
    private long _electionTimerArmedAt;
    private TimeSpan _electionTimeout;

    // The last election tick came so late that this peer had stalled, and it waited one more timeout instead of
    // campaigning; the next late tick campaigns, so a peer that is always late still stands (see TickCameAfterAStall).
    private bool _waitedOutAStall;

    // When the leader's heartbeat timer last ticked (or leadership began).
    private long _heartbeatTickAt;

    // The role, term and leader last acted on; ObserveRoleChange compares the core against them.
    private RaftRole _seenRole;
    private long _seenTerm;
    private string? _seenLeader;

    private TimeSpan NextElectionTimeout()
    {
        var min = _options.ElectionTimeoutMin;
        var spread = _options.ElectionTimeoutMax - min;
        return min + spread * _random.NextDouble();
    }

    /// <summary>Re-arms the election timer with a fresh random timeout; a leader's timer stays off.</summary>
    private void ResetElectionTimer()
    {
        if (_stopped || _electionTimer is null)
        {
            return;
        }
        if (_node.IsLeader)
        {
            _electionTimer.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
            return;
        }
        var timeout = NextElectionTimeout();
        _electionTimerArmedAt = _time.GetTimestamp();
        _electionTimeout = timeout;
        _electionTimer.Change(timeout, timeout);
    }

    /// <summary>A valid AppendEntries or InstallSnapshot from the leader of the current term arrived.</summary>
    private void OnLeaderContact()
    {
        _waitedOutAStall = false;
        _leaderContactAt = _time.GetTimestamp();
        ResetElectionTimer();
    }

    /// <summary>
    /// Thesis §9.6: this peer refuses pre-votes while it is leader or heard from the leader of its term within the
    /// minimum election timeout, so a peer that merely missed heartbeats cannot start an election that deposes it.
    /// </summary>
    private bool LeaderIsActive() =>
        _node.IsLeader
        || (_node.LeaderId is not null && _time.GetElapsedTime(_leaderContactAt) < _options.ElectionTimeoutMin);

    /// <summary>
    /// A tick can already be queued on the activation when a heartbeat resets the timer (the reset then only re-arms it
    /// after the tick), so the tick itself checks that a whole timeout passed since the last reset. The small slack
    /// keeps a timer that fires a hair early by another clock from losing a whole round.
    /// </summary>
    private bool ElectionTimeoutElapsed() =>
        _time.GetElapsedTime(_electionTimerArmedAt) >= _electionTimeout - TimeSpan.FromMilliseconds(5);

    /// <summary>
    /// A tick later than its due time by more than a heartbeat interval means this peer did not run for that long: a GC
    /// pause, a starved or frozen process or machine. Its silence then says nothing about the others: the heartbeats
    /// that would have reset the timer may be queued behind this tick, and a leader in the same stalled process could
    /// send none. Raft's timing only needs to be right eventually (§5.6); etcd's logical ticks absorb a stall the same
    /// way, since a stalled node misses its ticks instead of counting them.
    /// </summary>
    private bool TickCameAfterAStall(long dueFrom, TimeSpan period) =>
        _time.GetElapsedTime(dueFrom) - period > _options.HeartbeatInterval;

    /// <summary>
    /// The election timer fired: stand for election in a new term (§5.2), after a pre-vote (thesis §9.6) when
    /// <see cref="RaftOptions.PreVote"/> is on.
    /// </summary>
    private async Task OnElectionTimerAsync(CancellationToken cancellationToken)
    {
        var tickStartedAt = _time.GetTimestamp();
        try
        {
            await OnElectionTickAsync();
        }
        finally
        {
            // Both hosts apply a timer change made during a tick once the tick is over (grain timer semantics), so a
            // timer re-armed during a long tick (a campaign awaiting a slow storage write) counts from the tick's end.
            if (_electionTimerArmedAt >= tickStartedAt)
            {
                _electionTimerArmedAt = _time.GetTimestamp();
            }
        }
    }

    private async Task OnElectionTickAsync()
    {
        if (_stopped || _failure is not null || (!_node.IsLeader && !ElectionTimeoutElapsed()))
        {
            return;
        }
        var stalled = TickCameAfterAStall(_electionTimerArmedAt, _electionTimeout);
        ResetElectionTimer(); // the next round, should this one fail, gets its own random timeout
        if (_node.IsLeader)
        {
            return;
        }
        if (stalled && !_waitedOutAStall)
        {
            _waitedOutAStall = true;
            _logger.LogInformation("Raft peer {Peer} in term {Term}: its election timer ticked late, after a stall of this process; waiting one more timeout for the leader",
                _id, _node.CurrentTerm);
            return;
        }
        _waitedOutAStall = false;
        if (!_options.PreVote)
        {
            await CampaignAsync();
            return;
        }
        var preVote = _node.StartPreVote();
        if (!preVote.Started || preVote.VoteRequest is not { } request)
        {
            return;
        }
        if (preVote.BecameLeader)
        {
            await CampaignAsync(); // a group of one
            return;
        }
        _logger.LogDebug("Raft peer {Peer} heard no leader in term {Term}; asking for pre-votes for term {PreVoteTerm}",
            _id, _node.CurrentTerm, request.Term);
        foreach (var peer in _node.Peers)
        {
            _ = RequestPreVoteAsync(peer, request);
        }
    }

    /// <summary>A real election: new term, vote for itself, durable before anyone is asked.</summary>
    private async Task CampaignAsync()
    {
        var previousRole = _node.Role;
        var previousTerm = _node.CurrentTerm;
        var campaign = _node.ElectionTimeout();
        if (!campaign.Started || campaign.VoteRequest is not { } request)
        {
            return;
        }
        if (previousRole == RaftRole.Candidate)
        {
            _logger.LogInformation("Raft peer {Peer}: the election for term {PreviousTerm} found no winner; standing again in term {Term}",
                _id, previousTerm, request.Term);
        }
        else
        {
            _logger.LogInformation("Raft peer {Peer} heard no leader in term {PreviousTerm}; standing for election in term {Term} (last log index {Index}, term {LastLogTerm})",
                _id, previousTerm, request.Term, request.LastLogIndex, request.LastLogTerm);
        }
        _metrics?.ElectionStarted();
        ObserveRoleChange();
        // The new term and the vote for itself are durable before anyone is asked.
        await PersistAsync();
        if (_stopped || _node.CurrentTerm != request.Term || _node.Role != RaftRole.Candidate)
        {
            return;
        }
        foreach (var peer in _node.Peers)
        {
            _ = RequestVoteAsync(peer, request);
        }
    }

    /// <summary>A RequestVote (or pre-vote) round trip; null when lost, or when this activation stopped meanwhile.</summary>
    private async Task<RequestVoteResponse?> CallRequestVoteAsync(string peer, RequestVoteRequest request)
    {
        try
        {
            var response = await _host.RequestVoteAsync(peer, request, _options.RpcTimeout);
            return _stopped ? null : response;
        }
        catch (Exception exception)
        {
            LogLostRpc(request.PreVote ? "PreVote" : "RequestVote", peer, request.Term, exception);
            return null;
        }
    }

    /// <summary>One pre-vote request; the reply that completes a majority starts the real election.</summary>
    private async Task RequestPreVoteAsync(string peer, RequestVoteRequest request)
    {
        try
        {
            if (await CallRequestVoteAsync(peer, request) is not { } response || _failure is not null)
            {
                return;
            }
            // The core re-checks: a reply to an older pre-vote, or one after a leader was heard, is Stale.
            var outcome = _node.HandlePreVoteResponse(peer, request.Term, response);
            _logger.LogDebug("Raft peer {Peer} in term {Term}: pre-vote from {Voter} for term {RequestTerm}: {Outcome}",
                _id, _node.CurrentTerm, peer, request.Term, outcome);
            ObserveRoleChange();
            if (outcome == PreVoteOutcome.SteppedDown)
            {
                await PersistAsync(); // a higher term seen in the reply
            }
            else if (outcome == PreVoteOutcome.Won)
            {
                // No await since the core said Won: campaign in this same turn, before a leader can be heard.
                await CampaignAsync();
            }
        }
        catch (Exception exception)
        {
            _logger.LogWarning(exception, "Raft peer {Peer}: handling the pre-vote of {Voter} for term {Term} failed", _id, peer, request.Term);
        }
    }

    /// <summary>
    /// One vote request; replies are handled one by one as they arrive, so a dead peer delays nobody. The wait is
    /// RpcTimeout (longer than an election round): the core counts a late reply while the election is still on and
    /// ignores it once it is over, so there is no reason to throw a late vote away.
    /// </summary>
    private async Task RequestVoteAsync(string peer, RequestVoteRequest request)
    {
        try
        {
            if (await CallRequestVoteAsync(peer, request) is not { } response)
            {
                return;
            }
            // The core re-checks role and term: a reply to an old election is Stale.
            var outcome = _node.HandleVoteResponse(peer, request.Term, response);
            _logger.LogDebug("Raft peer {Peer} in term {Term}: vote from {Voter} for term {RequestTerm}: {Outcome}",
                _id, _node.CurrentTerm, peer, request.Term, outcome);
            ObserveRoleChange();
            if (_node.HasUnpersistedChanges)
            {
                await PersistAsync(); // a higher term seen in the reply
            }
        }
        catch (Exception exception)
        {
            _logger.LogWarning(exception, "Raft peer {Peer}: handling the vote of {Voter} for term {Term} failed", _id, peer, request.Term);
        }
    }

    private Task OnHeartbeatTimerAsync(CancellationToken cancellationToken)
    {
        if (_stopped || !_node.IsLeader)
        {
            return Task.CompletedTask;
        }
        var stalled = TickCameAfterAStall(_heartbeatTickAt, _options.HeartbeatInterval);
        _heartbeatTickAt = _time.GetTimestamp();
        if (stalled)
        {
            // The followers' replies may still be queued behind this tick, and they could not answer heartbeats this
            // leader did not send: the quorum check waits for a window this leader was running through.
            _quorumCheckedAt = _heartbeatTickAt;
        }
        else if (_options.CheckQuorum && _time.GetElapsedTime(_quorumCheckedAt) >= _options.ElectionTimeoutMax)
        {
            _quorumCheckedAt = _time.GetTimestamp();
            if (!_node.CheckQuorum())
            {
                _logger.LogInformation("Raft peer {Peer}, leader of term {Term}, heard from no majority for {Interval}: stepping down",
                    _id, _node.CurrentTerm, _options.ElectionTimeoutMax);
                ObserveRoleChange();
                return Task.CompletedTask;
            }
        }
        BroadcastHeartbeat();
        return Task.CompletedTask;
    }

    /// <summary>
    /// Acts on role, term and leader changes the last core call made: start leading (heartbeat timer, immediate
    /// heartbeat and initial replication), stop leading (heartbeat timer off, election timer on), and log them.
    /// Called after every core call that may change them.
    /// </summary>
    private void ObserveRoleChange()
    {
        var role = _node.Role;
        var term = _node.CurrentTerm;
        var leader = _node.LeaderId;
        if (role == _seenRole && term == _seenTerm && leader == _seenLeader)
        {
            return;
        }
        var previousRole = _seenRole;
        var previousTerm = _seenTerm;
        var previousLeader = _seenLeader;
        _seenRole = role;
        _seenTerm = term;
        _seenLeader = leader;
        if (term > previousTerm)
        {
            _metrics?.TermChanged();
        }

        if (previousRole == RaftRole.Leader && (role != RaftRole.Leader || term != previousTerm))
        {
            _logger.LogInformation("Raft peer {Peer} stepped down as leader of term {PreviousTerm}: {Role} in term {Term}",
                _id, previousTerm, role, term);
            StopLeading();
        }
        if (previousRole == RaftRole.Candidate && role == RaftRole.Follower)
        {
            if (term == previousTerm)
            {
                _logger.LogInformation("Raft peer {Peer} lost the election for term {Term} to {Leader}", _id, term, leader);
            }
            else
            {
                _logger.LogInformation("Raft peer {Peer} abandoned the election for term {PreviousTerm}: saw term {Term}", _id, previousTerm, term);
            }
        }
        if (role == RaftRole.Leader && (previousRole != RaftRole.Leader || term != previousTerm))
        {
            StartLeading();
        }
        else if (role == RaftRole.Follower && leader is not null && leader != previousLeader)
        {
            _logger.LogInformation("Raft peer {Peer} follows leader {Leader} in term {Term}", _id, leader, term);
        }
    }

    private void StartLeading()
    {
        var term = _node.CurrentTerm;
        _logger.LogInformation("Raft peer {Peer} won the election for term {Term} (last log index {Index}, commit index {CommitIndex})",
            _id, term, _node.Log.LastIndex, _node.CommitIndex);
        _followers = _node.Peers.ToDictionary(peer => peer, peer => new FollowerLink(peer, term), StringComparer.Ordinal);
        _quorumCheckedAt = _time.GetTimestamp();
        _heartbeatTickAt = _quorumCheckedAt;
        _electionTimer?.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        StopLeaderTimers();
        _heartbeatTimer = _host.RegisterTimer(OnHeartbeatTimerAsync, _options.HeartbeatInterval, _options.HeartbeatInterval);
        _commitNoticeTimer = _host.RegisterTimer(OnCommitNoticeTimerAsync, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        // Event-driven: assert leadership (and probe where followers' logs match) at once, not at the first tick.
        BroadcastHeartbeat();
    }

    private void StopLeading()
    {
        StopLeaderTimers();
        _followers = null;
        ResetElectionTimer();
    }

    private void StopLeaderTimers()
    {
        _heartbeatTimer?.Dispose();
        _heartbeatTimer = null;
        _commitNoticeTimer?.Dispose();
        _commitNoticeTimer = null;
        _commitNoticeArmed = false;
    }

    /// <summary>A call that failed or timed out is a lost message: logged, never fatal; the next heartbeat or election retries.</summary>
    private void LogLostRpc(string rpc, string peer, long term, Exception exception)
    {
        if (exception is TimeoutException or OperationCanceledException || _host.IsTransportFailure(exception))
        {
            _logger.LogDebug("Raft peer {Peer} in term {Term}: {Rpc} to {Target} lost: {Reason}", _id, term, rpc, peer, exception.Message);
        }
        else
        {
            _logger.LogWarning(exception, "Raft peer {Peer} in term {Term}: {Rpc} to {Target} failed", _id, term, rpc, peer);
        }
    }
}
