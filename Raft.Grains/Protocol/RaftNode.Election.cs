using Raft.Grains.Interfaces;

namespace Raft.Grains.Protocol;

public sealed partial class RaftNode
{
    /// <summary>
    /// The election timer fired: start an election in a new term, voting for itself (§5.2). Ignored by a leader.
    /// The new term and vote are in the next persistence delta and must be durable before the requests go out.
    /// </summary>
    public CampaignResult ElectionTimeout()
    {
        if (Role == RaftRole.Leader)
        {
            return new CampaignResult(Started: false, VoteRequest: null, BecameLeader: false);
        }
        _preVoteTerm = 0;
        CurrentTerm++;
        VotedFor = Id;
        LeaderId = null;
        Role = RaftRole.Candidate;
        MarkHardStateDirty();
        _votesReceived.Clear();
        _votesReceived.Add(Id);

        var request = new RequestVoteRequest(CurrentTerm, Id, _log.LastIndex, _log.LastTerm);
        var won = _votesReceived.Count >= Quorum;
        if (won)
        {
            BecomeLeader();
        }
        return new CampaignResult(Started: true, request, won);
    }

    /// <summary>
    /// The election timer fired and the driver uses pre-vote (thesis §9.6): ask whether the others would vote for this
    /// node in the next term, changing nothing yet (no term, no vote, nothing to persist). Only a majority of yes
    /// (<see cref="PreVoteOutcome.Won"/>) makes the driver call <see cref="ElectionTimeout"/>. So a follower that merely
    /// missed some heartbeats, or stalled, cannot depose a leader the others still hear from. Ignored by a leader.
    /// </summary>
    public CampaignResult StartPreVote()
    {
        if (Role == RaftRole.Leader)
        {
            return new CampaignResult(Started: false, VoteRequest: null, BecameLeader: false);
        }
        _preVoteTerm = CurrentTerm + 1;
        _preVotesReceived.Clear();
        _preVotesReceived.Add(Id);
        var request = new RequestVoteRequest(_preVoteTerm, Id, _log.LastIndex, _log.LastTerm, PreVote: true);
        // A group of one needs nobody's opinion: BecameLeader here means "won the pre-vote, campaign now".
        return new CampaignResult(Started: true, request, BecameLeader: _preVotesReceived.Count >= Quorum);
    }

    /// <summary>
    /// RequestVote receiver (Figure 2; election restriction §5.4.1). <paramref name="leaderIsActive"/>: the driver heard
    /// from the leader of the current term (or is leader) within the minimum election timeout; a pre-vote is refused
    /// then (thesis §9.6). A pre-vote never changes this node's term or vote.
    /// </summary>
    public InboundResult<RequestVoteResponse> HandleRequestVote(RequestVoteRequest request, bool leaderIsActive = false)
    {
        if (request.PreVote)
        {
            var grantPreVote = request.Term > CurrentTerm && !leaderIsActive && IsAtLeastAsUpToDate(request.LastLogTerm, request.LastLogIndex);
            // Our own term in the reply: a granted pre-vote then never carries a term above the asker's.
            return new(new RequestVoteResponse(CurrentTerm, grantPreVote), ResetElectionTimer: false);
        }
        if (request.Term > CurrentTerm)
        {
            AdoptHigherTerm(request.Term);
        }
        if (request.Term < CurrentTerm)
        {
            return new(new RequestVoteResponse(CurrentTerm, VoteGranted: false), ResetElectionTimer: false);
        }

        var mayVote = VotedFor is null || VotedFor == request.CandidateId;
        var grant = mayVote && IsAtLeastAsUpToDate(request.LastLogTerm, request.LastLogIndex);
        if (grant && VotedFor != request.CandidateId)
        {
            VotedFor = request.CandidateId;
            MarkHardStateDirty();
        }
        // Only a granted vote restarts the timer: a peer with a stale log must not keep us from standing ourselves.
        return new(new RequestVoteResponse(CurrentTerm, grant), ResetElectionTimer: grant);
    }

    /// <summary>
    /// A reply to the pre-vote this node asked for term <paramref name="requestTerm"/>. A higher term in a refusal makes
    /// it a follower of that term. <see cref="PreVoteOutcome.Won"/> once a majority said yes, while nothing changed since
    /// (same term, no leader heard meanwhile): the driver then calls <see cref="ElectionTimeout"/>.
    /// </summary>
    public PreVoteOutcome HandlePreVoteResponse(string peer, long requestTerm, RequestVoteResponse response)
    {
        ProgressFor(peer); // throws for a stranger
        if (response.Term > CurrentTerm && !response.VoteGranted)
        {
            AdoptHigherTerm(response.Term);
            return PreVoteOutcome.SteppedDown;
        }
        if (Role == RaftRole.Leader || _preVoteTerm == 0 || requestTerm != _preVoteTerm || _preVoteTerm != CurrentTerm + 1)
        {
            return PreVoteOutcome.Stale;
        }
        if (!response.VoteGranted)
        {
            return PreVoteOutcome.NotGranted;
        }
        _preVotesReceived.Add(peer);
        if (_preVotesReceived.Count < Quorum)
        {
            return PreVoteOutcome.Granted;
        }
        _preVoteTerm = 0;
        return PreVoteOutcome.Won;
    }

    /// <summary>
    /// A RequestVote reply from <paramref name="peer"/> to the request this node sent in <paramref name="requestTerm"/>.
    /// Votes are counted per peer, so a duplicated reply is harmless.
    /// </summary>
    public VoteOutcome HandleVoteResponse(string peer, long requestTerm, RequestVoteResponse response)
    {
        ProgressFor(peer); // throws for a stranger
        if (response.Term > CurrentTerm)
        {
            AdoptHigherTerm(response.Term);
            return VoteOutcome.SteppedDown;
        }
        if (Role != RaftRole.Candidate || requestTerm != CurrentTerm || response.Term != CurrentTerm)
        {
            return VoteOutcome.Stale;
        }
        if (!response.VoteGranted)
        {
            return VoteOutcome.NotGranted;
        }
        _votesReceived.Add(peer);
        if (_votesReceived.Count < Quorum)
        {
            return VoteOutcome.Granted;
        }
        BecomeLeader();
        return VoteOutcome.BecameLeader;
    }

    /// <summary>§5.4.1: compare last terms first; only with equal last terms does the longer log win.</summary>
    private bool IsAtLeastAsUpToDate(long lastLogTerm, long lastLogIndex) =>
        lastLogTerm > _log.LastTerm || (lastLogTerm == _log.LastTerm && lastLogIndex >= _log.LastIndex);
}
