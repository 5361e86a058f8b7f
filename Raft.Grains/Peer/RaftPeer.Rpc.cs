using Microsoft.Extensions.Logging;
using Raft.Grains.Interfaces;

namespace Raft.Grains;

/// <summary>The Raft RPCs this peer receives: hand to the core, reset the timer if it says so, persist, reply.</summary>
public sealed partial class RaftPeer
{
    public async Task<RequestVoteResponse> RequestVote(RequestVoteRequest request)
    {
        ThrowIfUnavailable();
        var result = _node.HandleRequestVote(request, LeaderIsActive());
        ObserveRoleChange();
        if (result.ResetElectionTimer)
        {
            ResetElectionTimer();
        }
        _logger.LogDebug("Raft peer {Peer} in term {Term}: {Kind} for {Candidate} in term {RequestTerm} {Decision}",
            _id, _node.CurrentTerm, request.PreVote ? "pre-vote" : "vote", request.CandidateId, request.Term,
            result.Response.VoteGranted ? "granted" : "refused");
        // Term and vote are durable before the vote leaves.
        await PersistAsync();
        return result.Response;
    }

    public async Task<AppendEntriesResponse> AppendEntries(AppendEntriesRequest request)
    {
        ThrowIfUnavailable();
        var result = _node.HandleAppendEntries(request);
        ObserveRoleChange();
        if (result.ResetElectionTimer)
        {
            OnLeaderContact();
        }
        // Entries are durable before success is reported (and so is everything an earlier request is still writing).
        await PersistAsync();
        WakeApplier();
        _logger.LogTrace("Raft peer {Peer} in term {Term}: AppendEntries from {Leader} at {PrevIndex}+{Count} -> {Success}",
            _id, _node.CurrentTerm, request.LeaderId, request.PrevLogIndex, request.Entries.Length, result.Response.Success);
        return result.Response;
    }

    public async Task<InstallSnapshotResponse> InstallSnapshot(InstallSnapshotRequest request)
    {
        ThrowIfUnavailable();
        var result = _node.HandleInstallSnapshot(request);
        ObserveRoleChange();
        if (result.ResetElectionTimer)
        {
            OnLeaderContact();
        }
        await PersistAsync();
        if (result.SnapshotToApply is not null)
        {
            _logger.LogInformation("Raft peer {Peer} installed a snapshot from {Leader} through index {Index} (term {SnapshotTerm})",
                _id, request.LeaderId, request.LastIncludedIndex, request.LastIncludedTerm);
        }
        WakeApplier();
        return result.Response;
    }
}
