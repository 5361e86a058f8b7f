using Raft.Grains.Interfaces;
using Raft.Grains.Protocol;
using Xunit;
using static Raft.Tests.Protocol.Commands;

namespace Raft.Tests.Protocol;

/// <summary>
/// A seeded random schedule over a <see cref="ProtocolCluster"/>: elections, proposals, replication, compaction, crashes
/// and restarts, with messages delivered in random order, dropped or duplicated. After every step it checks the Raft
/// safety properties (Figure 3): election safety, log matching, leader completeness and state machine safety.
/// </summary>
internal sealed class ChaosSimulation
{
    private sealed record Envelope(string From, string To, object Message, object? Request);

    /// <summary>A committed entry as first seen on a leader, with the lowest term of a leader that committed it.</summary>
    private sealed record CommittedEntry(long EntryTerm, string Command, long CommitTerm);

    /// <summary>The service side of one peer: what it applied, in order, and nothing else (a restart loses it).</summary>
    private sealed class Applier
    {
        public long LastApplied { get; set; }

        public List<string> Commands { get; set; } = [];
    }

    private readonly Random _random;
    private readonly ProtocolCluster _cluster;
    private readonly List<Envelope> _network = [];
    private readonly HashSet<string> _down = [];
    private readonly Dictionary<string, Applier> _appliers = [];
    private readonly Dictionary<long, string> _leaderOfTerm = [];
    private readonly Dictionary<long, CommittedEntry> _committed = [];
    private int _nextCommand;

    public ChaosSimulation(int seed, int size)
    {
        _random = new Random(seed);
        _cluster = new ProtocolCluster(size);
        foreach (var id in _cluster.Ids)
        {
            _appliers[id] = new Applier();
        }
    }

    public int ElectionsWon { get; private set; }

    public int SnapshotsInstalled { get; private set; }

    public int Compactions { get; private set; }

    public int CommittedCount => _committed.Count;

    private IEnumerable<string> Up => _cluster.Ids.Where(id => !_down.Contains(id));

    public void Run(int steps)
    {
        for (var step = 0; step < steps; step++)
        {
            TakeRandomStep();
            CheckLeadersAndCommits();
            ApplyCommitted();
            if (step % 10 == 0)
            {
                CheckLogMatching();
            }
        }
    }

    /// <summary>Heals everything, elects the most up-to-date peer and replicates one last command to all.</summary>
    public void HealAndConverge()
    {
        _network.Clear();
        foreach (var id in _down.ToArray())
        {
            Restart(id);
        }
        foreach (var id in _cluster.Ids)
        {
            _cluster.Persist(id);
        }
        var leader = _cluster.Ids.MaxBy(id => (_cluster[id].Log.LastTerm, _cluster[id].Log.LastIndex))!;
        for (var attempt = 0; attempt < 10 && !_cluster[leader].IsLeader; attempt++)
        {
            if (_cluster.Campaign(leader, _cluster.Ids.Where(id => id != leader).ToArray()))
            {
                OnNewLeader(leader);
            }
        }
        Assert.True(_cluster[leader].IsLeader, $"{leader} could not win an election after healing.");

        var final = _cluster[leader].Propose(Of("final"));
        _cluster.Persist(leader);
        _cluster.ReplicateToAll(leader);
        CheckLeadersAndCommits();
        ApplyCommitted();
        CheckLogMatching();

        foreach (var id in _cluster.Ids)
        {
            Assert.Equal(final.Index, _cluster[id].CommitIndex);
            Assert.Equal(final.Index, _appliers[id].LastApplied);
            Assert.Equal(_appliers[leader].Commands, _appliers[id].Commands);
        }
        Assert.Equal("final", _appliers[leader].Commands[^1]);
    }

    /// <summary>Relative weights, per thousand, of what happens in one step.</summary>
    private const int ElectionTimeoutWeight = 10, ProposeWeight = 100, SendWeight = 250, DeliverWeight = 570,
        CrashWeight = 10, RestartWeight = 25, FlushWeight = 15, CompactWeight = 20;

    private void TakeRandomStep()
    {
        var roll = _random.Next(1000);
        if ((roll -= ElectionTimeoutWeight) < 0)
        {
            ElectionTimeout(Pick(Up.Where(id => !_cluster[id].IsLeader)));
        }
        else if ((roll -= ProposeWeight) < 0)
        {
            Propose(Pick(Up.Where(id => _cluster[id].IsLeader)));
        }
        else if ((roll -= SendWeight) < 0)
        {
            SendFromLeader(Pick(Up.Where(id => _cluster[id].IsLeader)));
        }
        else if ((roll -= DeliverWeight) < 0)
        {
            DeliverOne();
        }
        else if ((roll -= CrashWeight) < 0)
        {
            if (_down.Count < 2 && Pick(Up) is { } victim)
            {
                _down.Add(victim); // its unpersisted state dies with it; Restart rebuilds from disk
            }
        }
        else if ((roll -= RestartWeight) < 0)
        {
            if (Pick(_down) is { } dead)
            {
                Restart(dead);
            }
        }
        else if ((roll -= FlushWeight) < 0)
        {
            if (Pick(Up) is { } id)
            {
                _cluster.Persist(id);
            }
        }
        else if ((roll -= CompactWeight) < 0)
        {
            Compact(Pick(Up));
        }
    }

    private void ElectionTimeout(string? id)
    {
        if (id is null)
        {
            return;
        }
        var campaign = _cluster[id].ElectionTimeout();
        _cluster.Persist(id);
        Assert.True(campaign.Started);
        foreach (var peer in _cluster[id].Peers)
        {
            Send(id, peer, campaign.VoteRequest!, request: null);
        }
    }

    private void Propose(string? leader)
    {
        if (leader is null)
        {
            return;
        }
        var result = _cluster[leader].Propose(Of($"c{_nextCommand++}"));
        Assert.True(result.IsLeader);
        // Half the time the leader's own write lags behind: it may send entries first, but must not count itself.
        if (_random.Next(2) == 0)
        {
            _cluster.Persist(leader);
        }
    }

    private void SendFromLeader(string? leader)
    {
        if (leader is null)
        {
            return;
        }
        var node = _cluster[leader];
        var peer = node.Peers[_random.Next(node.Peers.Count)];
        // The driver's flow-controlled path (appends the window admits, heartbeats) and, to stress the reply handling
        // with messages flow control would not send, unrestricted builds from NextIndex.
        object? message = _random.Next(3) switch
        {
            0 => node.NextAppend(peer) is { } next ? (object?)next.AppendEntries ?? next.InstallSnapshot : null,
            1 => node.Heartbeat(peer),
            _ => node.BuildOutbound(peer, withEntries: _random.Next(5) > 0, maxEntries: _random.Next(1, 6)) is { } built
                ? (object?)built.AppendEntries ?? built.InstallSnapshot
                : null,
        };
        if (message is not null)
        {
            Send(leader, peer, message, request: null);
        }
    }

    private void DeliverOne()
    {
        if (_network.Count == 0)
        {
            return;
        }
        var position = _random.Next(_network.Count);
        var envelope = _network[position];
        var roll = _random.Next(100);
        if (roll >= 5)
        {
            _network.RemoveAt(position); // else: duplicated, it stays in flight and may be delivered again
        }
        if (roll < 10 || _down.Contains(envelope.To))
        {
            ReportLoss(envelope); // lost
            return;
        }
        Deliver(envelope);
    }

    private void Deliver(Envelope envelope)
    {
        var node = _cluster[envelope.To];
        switch (envelope.Message)
        {
            case RequestVoteRequest request:
                var vote = node.HandleRequestVote(request);
                _cluster.Persist(envelope.To);
                Send(envelope.To, envelope.From, vote.Response, request);
                break;
            case RequestVoteResponse response:
                var outcome = node.HandleVoteResponse(envelope.From, ((RequestVoteRequest)envelope.Request!).Term, response);
                _cluster.Persist(envelope.To);
                if (outcome == VoteOutcome.BecameLeader)
                {
                    OnNewLeader(envelope.To);
                }
                break;
            case AppendEntriesRequest request:
                var append = node.HandleAppendEntries(request);
                _cluster.Persist(envelope.To);
                Send(envelope.To, envelope.From, append.Response, request);
                break;
            case AppendEntriesResponse response:
                node.HandleAppendReply(envelope.From, (AppendEntriesRequest)envelope.Request!, response);
                _cluster.Persist(envelope.To);
                break;
            case InstallSnapshotRequest request:
                var install = node.HandleInstallSnapshot(request);
                _cluster.Persist(envelope.To);
                if (install.SnapshotToApply is not null)
                {
                    SnapshotsInstalled++;
                }
                Send(envelope.To, envelope.From, install.Response, request);
                break;
            case InstallSnapshotResponse response:
                node.HandleInstallSnapshotReply(envelope.From, (InstallSnapshotRequest)envelope.Request!, response);
                _cluster.Persist(envelope.To);
                break;
            default:
                throw new InvalidOperationException($"Unknown message {envelope.Message.GetType().Name}.");
        }
    }

    /// <summary>The leader notices a lost request or reply, as the grain does when a call fails or times out.</summary>
    private void ReportLoss(Envelope envelope)
    {
        switch (envelope.Message, envelope.Request)
        {
            case (AppendEntriesRequest request, _) when !_down.Contains(envelope.From):
                _cluster[envelope.From].ReportAppendLost(envelope.To, request);
                break;
            case (InstallSnapshotRequest request, _) when !_down.Contains(envelope.From):
                _cluster[envelope.From].ReportSnapshotLost(envelope.To, request);
                break;
            case (AppendEntriesResponse, AppendEntriesRequest request) when !_down.Contains(envelope.To):
                _cluster[envelope.To].ReportAppendLost(envelope.From, request);
                break;
            case (InstallSnapshotResponse, InstallSnapshotRequest request) when !_down.Contains(envelope.To):
                _cluster[envelope.To].ReportSnapshotLost(envelope.From, request);
                break;
        }
    }

    private void Send(string from, string to, object message, object? request) => _network.Add(new Envelope(from, to, message, request));

    private void Restart(string id)
    {
        _cluster.CrashAndRestart(id);
        _down.Remove(id);
        _appliers[id] = new Applier();
    }

    /// <summary>The service snapshots what it has applied, as the 6.5840 tester does every few entries.</summary>
    private void Compact(string? id)
    {
        if (id is null)
        {
            return;
        }
        var node = _cluster[id];
        var applier = _appliers[id];
        if (applier.LastApplied <= node.SnapshotIndex)
        {
            return;
        }
        var index = _random.NextInt64(node.SnapshotIndex + 1, applier.LastApplied + 1);
        var data = Of(string.Join('\n', applier.Commands.Take((int)index)));
        Assert.Equal(CompactionResult.Compacted, node.CompactTo(index, data));
        _cluster.Persist(id);
        Compactions++;
    }

    /// <summary>Each live peer's applier drains what is committed; every applied command must be the committed one.</summary>
    private void ApplyCommitted()
    {
        foreach (var id in Up)
        {
            var applier = _appliers[id];
            IReadOnlyList<ApplyMsg> batch;
            while ((batch = _cluster[id].ApplyMessagesAfter(applier.LastApplied, maxCount: 50)).Count > 0)
            {
                foreach (var message in batch)
                {
                    if (message.SnapshotValid)
                    {
                        var commands = Text(message.Snapshot!).Split('\n').ToList();
                        Assert.Equal(message.SnapshotIndex, commands.Count);
                        for (var i = 0; i < commands.Count; i++)
                        {
                            CheckApplied(id, i + 1, commands[i]);
                        }
                        applier.Commands = commands;
                        applier.LastApplied = message.SnapshotIndex;
                        continue;
                    }
                    Assert.Equal(applier.LastApplied + 1, message.CommandIndex);
                    var command = Text(message.Command!);
                    CheckApplied(id, message.CommandIndex, command);
                    applier.Commands.Add(command);
                    applier.LastApplied = message.CommandIndex;
                }
            }
        }
    }

    private void CheckApplied(string id, long index, string command)
    {
        Assert.True(_committed.TryGetValue(index, out var committed), $"{id} applied index {index}, which no leader committed.");
        Assert.True(committed.Command == command, $"{id} applied '{command}' at {index}; '{committed.Command}' was committed there.");
    }

    /// <summary>Election safety, and a record of every committed entry with the term that committed it.</summary>
    private void CheckLeadersAndCommits()
    {
        foreach (var id in Up.Where(id => _cluster[id].IsLeader))
        {
            var leader = _cluster[id];
            if (_leaderOfTerm.TryGetValue(leader.CurrentTerm, out var other))
            {
                Assert.True(other == id, $"Two leaders in term {leader.CurrentTerm}: {other} and {id}.");
            }
            for (var index = leader.CommitIndex; index > leader.SnapshotIndex; index--)
            {
                var entry = leader.Log.EntryAt(index);
                if (_committed.TryGetValue(index, out var known))
                {
                    Assert.True(known.EntryTerm == entry.Term && known.Command == Text(entry.Command),
                        $"Leader {id} (term {leader.CurrentTerm}) committed a different entry at {index} than term {known.CommitTerm} did.");
                    if (known.CommitTerm <= leader.CurrentTerm)
                    {
                        break; // everything below was recorded at least as early
                    }
                }
                _committed[index] = new CommittedEntry(entry.Term, Text(entry.Command), leader.CurrentTerm);
            }
        }
    }

    /// <summary>Leader completeness: a new leader holds every entry committed in an earlier term.</summary>
    private void OnNewLeader(string id)
    {
        ElectionsWon++;
        var leader = _cluster[id];
        Assert.True(_leaderOfTerm.TryAdd(leader.CurrentTerm, id) || _leaderOfTerm[leader.CurrentTerm] == id,
            $"Two leaders in term {leader.CurrentTerm}: {_leaderOfTerm.GetValueOrDefault(leader.CurrentTerm)} and {id}.");
        foreach (var (index, committed) in _committed)
        {
            if (committed.CommitTerm >= leader.CurrentTerm || index <= leader.SnapshotIndex)
            {
                continue;
            }
            Assert.True(index <= leader.Log.LastIndex && Text(leader.Log.EntryAt(index).Command) == committed.Command,
                $"New leader {id} of term {leader.CurrentTerm} lacks entry {index} committed in term {committed.CommitTerm}.");
        }
    }

    /// <summary>Log matching: if two logs agree on the term at some index, they agree on every entry up to it.</summary>
    private void CheckLogMatching()
    {
        var live = Up.ToArray();
        for (var a = 0; a < live.Length; a++)
        {
            for (var b = a + 1; b < live.Length; b++)
            {
                var left = _cluster[live[a]].Log;
                var right = _cluster[live[b]].Log;
                var low = Math.Max(left.FirstIndex, right.FirstIndex);
                var high = Math.Min(left.LastIndex, right.LastIndex);
                var agreedThrough = high;
                while (agreedThrough >= low && left.TermAt(agreedThrough) != right.TermAt(agreedThrough))
                {
                    agreedThrough--;
                }
                for (var index = low; index <= agreedThrough; index++)
                {
                    var x = left.EntryAt(index);
                    var y = right.EntryAt(index);
                    Assert.True(x.Term == y.Term && x.Command.AsSpan().SequenceEqual(y.Command),
                        $"Logs of {live[a]} and {live[b]} agree at {agreedThrough} but differ at {index}.");
                }
            }
        }
    }

    private string? Pick(IEnumerable<string> candidates)
    {
        var list = candidates.ToArray();
        return list.Length == 0 ? null : list[_random.Next(list.Length)];
    }
}
