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

    /// <summary>RequestVote receiver (Figure 2; election restriction §5.4.1).</summary>
    public InboundResult<RequestVoteResponse> HandleRequestVote(RequestVoteRequest request)
    {
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
