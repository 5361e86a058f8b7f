using Microsoft.Extensions.Logging;
using Raft.Grains.Protocol;
using Raft.Runtime;

namespace Raft.Grains;

/// <summary>
/// Leader replication, after the seeds: broadcastHeartbeat / broadcastAppend decide who and when, replicateToPeer
/// executes, one loop per follower with at most one RPC in flight, so a slow, partitioned or snapshotting follower
/// never holds back the others. A trigger while a follower's loop runs only marks "more to send".
/// </summary>
public sealed partial class RaftPeerGrain
{
    /// <summary>The loops of the current leadership term (null when not leader); a new term gets new ones.</summary>
    private Dictionary<string, PeerReplicator>? _replicators;

    /// <summary>Heartbeat timer: an empty AppendEntries to every follower (a lagging one escalates to entries).</summary>
    private void BroadcastHeartbeat()
    {
        if (_replicators is null)
        {
            return;
        }
        foreach (var replicator in _replicators.Values)
        {
            if (replicator.Running)
            {
                // The follower's loop may be waiting out a lost reply for up to RpcTimeout; a heartbeat must not
                // queue behind it, or the follower's election timer fires (the seeds send heartbeats on their own).
                SendSideHeartbeat(replicator);
            }
            else
            {
                TriggerReplication(replicator, withEntries: false);
            }
        }
    }

    /// <summary>At most one such heartbeat per follower is in flight next to its replication loop.</summary>
    private void SendSideHeartbeat(PeerReplicator replicator)
    {
        if (replicator.HeartbeatInFlight)
        {
            return;
        }
        replicator.HeartbeatInFlight = true;
        _ = SideHeartbeatAsync(replicator);
    }

    private async Task SideHeartbeatAsync(PeerReplicator replicator)
    {
        try
        {
            if (!IsLeaderOf(replicator.Term))
            {
                return;
            }
            var outbound = _node.BuildOutbound(replicator.Peer, withEntries: false, _options.MaxEntriesPerAppend, _options.MaxBytesPerAppend);
            if (outbound?.AppendEntries is not { } append)
            {
                return; // no longer leader, or the follower needs a snapshot: only its loop sends those
            }
            replicator.LastSentCommit = Math.Max(replicator.LastSentCommit, append.LeaderCommit);
            var commitBefore = _node.CommitIndex;
            var outcome = await SendAsync(replicator.Peer, replicator.Term, outbound);
            if (outcome is null)
            {
                return;
            }
            ObserveRoleChange();
            if (_node.HasUnpersistedChanges)
            {
                await PersistAsync(); // stepped down to a higher term
            }
            if (outcome == ReplicationOutcome.Accepted && _node.CommitIndex > commitBefore)
            {
                OnCommitAdvanced();
            }
            if (outcome is ReplicationOutcome.BackedOff or ReplicationOutcome.NeedsSnapshot && IsLeaderOf(replicator.Term))
            {
                TriggerReplication(replicator, withEntries: true);
            }
        }
        catch (Exception exception)
        {
            _logger.LogWarning(exception, "Raft peer {Peer} in term {Term}: heartbeat to {Follower} failed", _id, replicator.Term, replicator.Peer);
        }
        finally
        {
            replicator.HeartbeatInFlight = false;
        }
    }

    /// <summary>Start and election win: send new entries now rather than at the next heartbeat.</summary>
    private void BroadcastAppend()
    {
        if (_replicators is null)
        {
            return;
        }
        foreach (var replicator in _replicators.Values)
        {
            TriggerReplication(replicator, withEntries: true);
        }
    }

    private void TriggerReplication(PeerReplicator replicator, bool withEntries)
    {
        if (replicator.Running)
        {
            replicator.Pending = true;
            replicator.PendingWithEntries |= withEntries;
            return;
        }
        replicator.Running = true;
        _ = ReplicateToPeerAsync(replicator, withEntries);
    }

    /// <summary>
    /// The leader's commit index moved: wake the applier, and tell followers that hold the newly committed entries
    /// now rather than at the next heartbeat (a follower whose loop is running picks it up when its reply arrives).
    /// </summary>
    private void OnCommitAdvanced()
    {
        WakeApplier();
        if (_replicators is null || !_node.IsLeader)
        {
            return;
        }
        foreach (var replicator in _replicators.Values)
        {
            if (NeedsCommitNotice(replicator))
            {
                TriggerReplication(replicator, withEntries: false);
            }
        }
    }

    /// <summary>The follower holds entries past the commit index it was last told, and they are committed now.</summary>
    private bool NeedsCommitNotice(PeerReplicator replicator) =>
        _node.CommitIndex > replicator.LastSentCommit && _node.ProgressOf(replicator.Peer).MatchIndex > replicator.LastSentCommit;

    private bool IsLeaderOf(long term) => !_stopped && _failure is null && _node.IsLeader && _node.CurrentTerm == term;

    /// <summary>
    /// The seeds' replicateToPeer (loop in Protocol/README.md): build the next request from the follower's progress,
    /// call, hand the reply to the core, and go on while the follower is behind or the core backed off.
    /// </summary>
    private async Task ReplicateToPeerAsync(PeerReplicator replicator, bool withEntries)
    {
        var peer = replicator.Peer;
        try
        {
            while (IsLeaderOf(replicator.Term))
            {
                withEntries |= replicator.PendingWithEntries;
                replicator.Pending = false;
                replicator.PendingWithEntries = false;
                var outbound = _node.BuildOutbound(peer, withEntries, _options.MaxEntriesPerAppend, _options.MaxBytesPerAppend);
                if (outbound is null)
                {
                    return;
                }
                if (outbound.AppendEntries is { } append)
                {
                    replicator.LastSentCommit = Math.Max(replicator.LastSentCommit, append.LeaderCommit);
                }
                var commitBefore = _node.CommitIndex;
                var outcome = await SendAsync(peer, replicator.Term, outbound);
                if (outcome is null)
                {
                    return; // lost: the next heartbeat tries again
                }
                ObserveRoleChange();
                if (_node.HasUnpersistedChanges)
                {
                    await PersistAsync(); // stepped down to a higher term
                }
                switch (outcome)
                {
                    case ReplicationOutcome.Accepted:
                        if (_node.CommitIndex > commitBefore)
                        {
                            OnCommitAdvanced();
                        }
                        if (!IsLeaderOf(replicator.Term))
                        {
                            return;
                        }
                        if (_node.Log.LastIndex > _node.ProgressOf(peer).MatchIndex)
                        {
                            withEntries = true;
                            continue; // still behind
                        }
                        if (NeedsCommitNotice(replicator))
                        {
                            continue; // caught up, but does not know yet that what it holds is committed
                        }
                        return;
                    case ReplicationOutcome.BackedOff:
                    case ReplicationOutcome.NeedsSnapshot:
                        // A heartbeat that hit a conflict escalates to a full append at once.
                        withEntries = true;
                        continue;
                    default:
                        // SteppedDown (ObserveRoleChange stopped leading; the loop condition ends it) or Stale.
                        if (replicator.Pending)
                        {
                            continue;
                        }
                        return;
                }
            }
        }
        catch (Exception exception)
        {
            _logger.LogWarning(exception, "Raft peer {Peer} in term {Term}: replication to {Follower} failed", _id, replicator.Term, peer);
        }
        finally
        {
            replicator.Running = false;
        }
    }

    /// <summary>One AppendEntries or InstallSnapshot round trip; null when the message or its reply was lost.</summary>
    private async Task<ReplicationOutcome?> SendAsync(string peer, long term, OutboundRequest outbound)
    {
        if (outbound.InstallSnapshot is { } snapshot)
        {
            Interfaces.InstallSnapshotResponse reply;
            try
            {
                using (GrainCallOptions.WithTimeout(_options.InstallSnapshotTimeout))
                {
                    reply = await PeerGrain(peer).InstallSnapshot(snapshot);
                }
            }
            catch (Exception exception)
            {
                LogLostRpc(nameof(InstallSnapshot), peer, term, exception);
                return null;
            }
            if (_stopped)
            {
                return null;
            }
            var outcome = _node.HandleInstallSnapshotReply(peer, snapshot, reply);
            _logger.LogDebug("Raft peer {Peer} in term {Term}: InstallSnapshot through {Index} to {Follower}: {Outcome}",
                _id, term, snapshot.LastIncludedIndex, peer, outcome);
            return outcome;
        }

        var request = outbound.AppendEntries!;
        Interfaces.AppendEntriesResponse response;
        try
        {
            using (GrainCallOptions.WithTimeout(_options.RpcTimeout))
            {
                response = await PeerGrain(peer).AppendEntries(request);
            }
        }
        catch (Exception exception)
        {
            LogLostRpc(nameof(AppendEntries), peer, term, exception);
            return null;
        }
        if (_stopped)
        {
            return null;
        }
        var result = _node.HandleAppendReply(peer, request, response);
        _logger.LogTrace("Raft peer {Peer} in term {Term}: AppendEntries {PrevIndex}+{Count} to {Follower}: {Outcome}",
            _id, term, request.PrevLogIndex, request.Entries.Length, peer, result);
        return result;
    }

    /// <summary>The replication loop state of one follower in one leadership term.</summary>
    private sealed class PeerReplicator(string peer, long term)
    {
        public string Peer { get; } = peer;

        public long Term { get; } = term;

        /// <summary>A loop is running (at most one RPC in flight to this follower).</summary>
        public bool Running { get; set; }

        /// <summary>Triggered while running: the loop takes another round if it has nothing else to send.</summary>
        public bool Pending { get; set; }

        public bool PendingWithEntries { get; set; }

        /// <summary>The highest LeaderCommit sent to this follower in this term.</summary>
        public long LastSentCommit { get; set; }

        /// <summary>A heartbeat sent beside the running loop has not been answered yet.</summary>
        public bool HeartbeatInFlight { get; set; }
    }
}
