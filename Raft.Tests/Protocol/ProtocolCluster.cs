using Raft.Grains.Interfaces;
using Raft.Grains.Protocol;
using Xunit;

namespace Raft.Tests.Protocol;

/// <summary>
/// A hand-cranked message shuttle between RaftNode instances: every call delivers exactly one thing, synchronously,
/// and persists the receiver's delta before its reply "leaves", as the grain driver must.
/// </summary>
internal sealed class ProtocolCluster
{
    private readonly Dictionary<string, RaftNode> _nodes = [];
    private readonly Dictionary<string, MemoryDisk> _disks = [];
    private readonly Dictionary<string, long> _incarnations = [];
    private readonly ReplicationLimits? _limits;

    public ProtocolCluster(int size)
        : this(Enumerable.Range(1, size).Select(i => $"s{i}").ToArray())
    {
    }

    /// <summary>Peers s1..s<paramref name="size"/> whose leaders obey <paramref name="limits"/>.</summary>
    public ProtocolCluster(int size, ReplicationLimits limits)
        : this(limits, Enumerable.Range(1, size).Select(i => $"s{i}").ToArray())
    {
    }

    public ProtocolCluster(params string[] ids)
        : this(null, ids)
    {
    }

    private ProtocolCluster(ReplicationLimits? limits, string[] ids)
    {
        Ids = ids;
        _limits = limits;
        foreach (var id in ids)
        {
            _incarnations[id] = 1;
            _nodes[id] = RaftNode.Restore(id, ids, DurableState.Empty, limits, incarnation: 1);
            _disks[id] = new MemoryDisk();
        }
    }

    public string[] Ids { get; }

    public RaftNode this[string id] => _nodes[id];

    public MemoryDisk Disk(string id) => _disks[id];

    /// <summary>Request/reply exchanges delivered by <see cref="SendOnce"/> since the counter was last reset.</summary>
    public int RoundTrips { get; set; }

    /// <summary>Replaces a node, for example with one restored from a hand-made log; its disk starts from that state.</summary>
    public void Install(RaftNode node)
    {
        _nodes[node.Id] = node;
        var disk = new MemoryDisk();
        disk.Apply(new PersistenceDelta(new HardState(node.CurrentTerm, node.VotedFor), null, node.Log.FirstIndex,
            node.Log.Slice(node.Log.FirstIndex), node.Log.LastIndex, node.Log.LastTerm));
        _disks[node.Id] = disk;
    }

    public void Persist(string id)
    {
        var node = _nodes[id];
        var delta = node.TakeUnpersisted();
        _disks[id].Apply(delta);
        node.OnLocalPersisted(delta.LastLogIndex, delta.LastLogTerm);
    }

    /// <summary>A crash loses everything not persisted; the restart rebuilds the node from its disk, as its next incarnation.</summary>
    public void CrashAndRestart(string id) =>
        _nodes[id] = RaftNode.Restore(id, Ids, _disks[id].Load(), _limits, incarnation: ++_incarnations[id]);

    /// <summary>Fires <paramref name="candidate"/>'s election timer and delivers its RequestVote to <paramref name="voters"/> only.</summary>
    public bool Campaign(string candidate, params string[] voters)
    {
        var node = _nodes[candidate];
        var campaign = node.ElectionTimeout();
        Persist(candidate);
        if (!campaign.Started || campaign.BecameLeader)
        {
            return node.IsLeader;
        }
        foreach (var voter in voters)
        {
            var vote = _nodes[voter].HandleRequestVote(campaign.VoteRequest!);
            Persist(voter);
            if (node.HandleVoteResponse(voter, campaign.VoteRequest!.Term, vote.Response) == VoteOutcome.BecameLeader)
            {
                return true;
            }
        }
        return node.IsLeader;
    }

    public ProtocolCluster Propose(string leader, params string[] commands)
    {
        foreach (var command in commands)
        {
            Assert.True(_nodes[leader].Propose(Commands.Of(command)).IsLeader);
        }
        Persist(leader);
        return this;
    }

    /// <summary>One request from leader to follower and its reply, handled. Null when the sender is not leader.</summary>
    public ReplicationOutcome? SendOnce(string leader, string follower, bool withEntries = true, int maxEntries = int.MaxValue)
    {
        var outbound = _nodes[leader].BuildOutbound(follower, withEntries, maxEntries);
        if (outbound is null)
        {
            return null;
        }
        RoundTrips++;
        if (outbound.InstallSnapshot is { } snapshotRequest)
        {
            var installed = _nodes[follower].HandleInstallSnapshot(snapshotRequest);
            Persist(follower);
            return _nodes[leader].HandleInstallSnapshotReply(follower, snapshotRequest, installed.Response);
        }
        var request = outbound.AppendEntries!;
        var reply = _nodes[follower].HandleAppendEntries(request).Response;
        Persist(follower);
        return _nodes[leader].HandleAppendReply(follower, request, reply);
    }

    /// <summary>
    /// Delivers <paramref name="request"/> (from <see cref="RaftNode.NextAppend"/> or <see cref="RaftNode.Heartbeat"/>) to
    /// <paramref name="follower"/>, persists it there and hands the reply back to the leader.
    /// </summary>
    public ReplicationOutcome Deliver(string leader, string follower, AppendEntriesRequest request)
    {
        RoundTrips++;
        var reply = _nodes[follower].HandleAppendEntries(request).Response;
        Persist(follower);
        return _nodes[leader].HandleAppendReply(follower, request, reply);
    }

    /// <summary>The same for an InstallSnapshot.</summary>
    public ReplicationOutcome Deliver(string leader, string follower, InstallSnapshotRequest request)
    {
        RoundTrips++;
        var reply = _nodes[follower].HandleInstallSnapshot(request).Response;
        Persist(follower);
        return _nodes[leader].HandleInstallSnapshotReply(follower, request, reply);
    }

    /// <summary>The seeds' replicateToPeer loop, synchronously: send until the follower holds the leader's whole log.</summary>
    public int ReplicateUntilCaughtUp(string leader, string follower, int maxRounds = 1000)
    {
        for (var rounds = 1; rounds <= maxRounds; rounds++)
        {
            var outcome = SendOnce(leader, follower);
            Assert.NotNull(outcome);
            Assert.NotEqual(ReplicationOutcome.SteppedDown, outcome);
            if (outcome == ReplicationOutcome.Accepted && _nodes[leader].ProgressOf(follower).MatchIndex == _nodes[leader].Log.LastIndex)
            {
                return rounds;
            }
        }
        throw new InvalidOperationException($"{follower} did not catch up with {leader} in {maxRounds} rounds.");
    }

    /// <summary>Replicates to every follower, then sends one more round of heartbeats so followers learn the commit index.</summary>
    public void ReplicateToAll(string leader)
    {
        foreach (var peer in _nodes[leader].Peers)
        {
            ReplicateUntilCaughtUp(leader, peer);
        }
        foreach (var peer in _nodes[leader].Peers)
        {
            SendOnce(leader, peer, withEntries: false);
        }
    }
}
