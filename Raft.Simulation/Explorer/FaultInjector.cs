using Raft.Grains.Interfaces;

namespace Raft.Simulation.Explorer;

/// <summary>
/// Applies a schedule's faults to a running cluster and keeps track of what it did: which peers are down (crashed and
/// kept disconnected until restarted) and which are disconnected. Every fault is written into the simulation trace as
/// a "fault …" line. Looking for the leader asks only running peers.
/// </summary>
internal sealed class FaultInjector(SimulatedRaftCluster cluster, FaultSchedule schedule, SimulationLoop loop, RaftLogWatcher watcher,
    Func<int, ExplorerClient> pinnedClient)
{
    /// <summary>How long a peer crashed right after a reply stays down: shorter than an election, so it votes again in the same term.</summary>
    private static readonly TimeSpan RestartAfterReplyCrash = TimeSpan.FromMilliseconds(5);

    private readonly HashSet<int> down = new();
    private readonly HashSet<int> disconnected = new();

    public string PeerId(int index) => cluster.PeerIds[index];

    public string Host(int index) => cluster.HostOf(PeerId(index));

    public SimulatedRaftCluster Cluster => cluster;

    public SimulationLoop Loop => loop;

    public FaultSchedule Schedule => schedule;

    /// <summary>The network endpoints of the schedule's clients.</summary>
    public IEnumerable<string> ClientEndpoints =>
        Enumerable.Range(0, schedule.ClientCount).Select(c => SimulatedRaftCluster.ClientEndpoint(ExplorerClient.ClientName(c)));

    /// <summary>A new client (a session of its own, in the shared history) that sends only to peer <paramref name="peer"/>.</summary>
    public ExplorerClient PinnedClient(int peer) => pinnedClient(peer);

    public void Trace(string text) => loop.Record("fault " + text);

    /// <summary>How each scripted scenario went (how far it got), for the seed's notes.</summary>
    public List<string> ScenarioNotes { get; } = new();

    /// <summary>Records how a scripted scenario went: in the trace and in the seed's notes.</summary>
    public void Note(string text)
    {
        Trace(text);
        ScenarioNotes.Add($"at {loop.Elapsed.TotalSeconds:0.000} s of virtual time: {text}");
    }

    public async Task ApplyAsync(FaultStep step)
    {
        var network = cluster.Network;
        switch (step.Kind)
        {
            case FaultKind.Partition:
                var sides = step.Side!;
                var groups = new[] { new List<string>(), new List<string>() };
                for (var i = 0; i < schedule.PeerCount; i++)
                {
                    groups[sides[i] ? 0 : 1].Add(Host(i));
                }
                for (var c = 0; c < schedule.ClientCount; c++)
                {
                    groups[sides[schedule.PeerCount + c] ? 0 : 1].Add(SimulatedRaftCluster.ClientEndpoint(ExplorerClient.ClientName(c)));
                }
                network.Partition(groups[0], groups[1]);
                Trace(step.ToString());
                break;
            case FaultKind.HealPartition:
                network.Heal();
                Trace(step.ToString());
                break;
            case FaultKind.Disconnect:
                Disconnect(step.Peer, step);
                break;
            case FaultKind.DisconnectLeader:
                await ToLeaderAsync(step, leader => Disconnect(leader, step));
                break;
            case FaultKind.Reconnect:
                disconnected.Remove(step.Peer);
                if (!down.Contains(step.Peer))
                {
                    network.Connect(Host(step.Peer));
                }
                Trace(step.ToString());
                break;
            case FaultKind.Crash:
                Crash(step.Peer, step);
                break;
            case FaultKind.CrashLeader:
                await ToLeaderAsync(step, leader => Crash(leader, step));
                break;
            case FaultKind.CrashAfterReply:
                if (down.Contains(step.Peer))
                {
                    Trace($"{step}: peer {step.Peer} is down");
                }
                else
                {
                    cluster.CrashAfterNextReply(PeerId(step.Peer), RestartAfterReplyCrash);
                    Trace($"{step}: peer {step.Peer} crashes after its next promise and restarts {RestartAfterReplyCrash.TotalMilliseconds} ms later");
                }
                break;
            case FaultKind.Restart:
                Trace(step.ToString());
                await RestartAsync(step.Peer);
                break;
            case FaultKind.CrashAllAndRestart:
                Trace(step.ToString());
                await CrashAllAndRestartAsync();
                break;
            case FaultKind.Unreliable:
            case FaultKind.Reliable:
                network.Reliable = step.Kind == FaultKind.Reliable;
                Trace(step.ToString());
                break;
            case FaultKind.ReorderOn:
            case FaultKind.ReorderOff:
                network.LongReordering = step.Kind == FaultKind.ReorderOn;
                Trace(step.ToString());
                break;
            case FaultKind.Figure8:
                Trace(step.ToString());
                await new Figure8Scenario(this, new Random(unchecked(schedule.Seed * 7 + (int)step.At.TotalMilliseconds))).RunAsync();
                break;
            case FaultKind.DoubleVote:
                Trace(step.ToString());
                await new DoubleVoteScenario(this).RunAsync();
                break;
            case FaultKind.LongDelaysOn:
            case FaultKind.LongDelaysOff:
                network.LongDelays = step.Kind == FaultKind.LongDelaysOn;
                Trace(step.ToString());
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(step), step.Kind, "unknown fault");
        }
    }

    private async Task ToLeaderAsync(FaultStep step, Action<int> fault)
    {
        if (await FindLeaderAsync() is { } leader)
        {
            fault(leader);
        }
        else
        {
            Trace($"{step} skipped: no leader");
        }
    }

    private void Disconnect(int peer, FaultStep step)
    {
        disconnected.Add(peer);
        cluster.Network.Disconnect(Host(peer));
        Trace($"{step}: disconnected peer {peer}");
    }

    /// <summary>A crashed peer stays down, and disconnected, until it is restarted.</summary>
    private void Crash(int peer, FaultStep step)
    {
        if (!down.Add(peer))
        {
            Trace($"{step}: peer {peer} is already down");
            return;
        }
        cluster.Network.Disconnect(Host(peer));
        cluster.Crash(PeerId(peer));
        Trace($"{step}: crashed peer {peer}");
    }

    private async Task RestartAsync(int peer)
    {
        down.Remove(peer);
        cluster.Crash(PeerId(peer));
        var activation = cluster.StartAsync(PeerId(peer));
        if (!disconnected.Contains(peer))
        {
            cluster.Network.Connect(Host(peer));
        }
        await activation;
    }

    /// <summary>Crashes every peer at once, then restarts them all: only what they persisted survives.</summary>
    public async Task CrashAllAndRestartAsync()
    {
        for (var i = 0; i < schedule.PeerCount; i++)
        {
            cluster.Crash(PeerId(i));
        }
        for (var i = 0; i < schedule.PeerCount; i++)
        {
            await RestartAsync(i);
        }
    }

    /// <summary>Removes every fault: partitions, disconnections, crashed peers (restarted), the unreliable network.</summary>
    public async Task HealEverythingAsync()
    {
        var network = cluster.Network;
        network.Heal();
        network.Reliable = true;
        network.LongReordering = false;
        network.LongDelays = false;
        disconnected.Clear();
        var restarts = new List<Task>();
        for (var i = 0; i < schedule.PeerCount; i++)
        {
            if (down.Contains(i) && !cluster.IsRunning(PeerId(i)))
            {
                restarts.Add(cluster.StartAsync(PeerId(i)));
            }
            network.Connect(Host(i));
        }
        down.Clear();
        await Task.WhenAll(restarts);
        Trace("heal: every partition removed, every peer connected and running, the network reliable");
    }

    /// <summary>Splits the network into groups of endpoints (peer hosts, clients) that talk only within themselves.</summary>
    public void Partition(string description, params IReadOnlyCollection<string>[] groups)
    {
        cluster.Network.Partition(groups);
        Trace($"partition {description}: {string.Join(" | ", groups.Select(g => string.Join(",", g)))}");
    }

    /// <summary>
    /// Polls the running peers among <paramref name="among"/> every <paramref name="poll"/> until one of them leads, for
    /// at most <paramref name="limit"/>; the leader of the highest term and its term, or null.
    /// </summary>
    public async Task<(int Peer, long Term)?> WaitForLeaderAsync(IReadOnlyCollection<int> among, TimeSpan limit, TimeSpan poll)
    {
        var started = loop.GetTimestamp();
        while (true)
        {
            int? leader = null;
            long leaderTerm = -1;
            foreach (var i in among)
            {
                if (!cluster.IsRunning(PeerId(i)))
                {
                    continue;
                }
                RaftState state;
                try
                {
                    state = await cluster.CallAsync(PeerId(i), peer => peer.GetState());
                }
                catch (Exception exception) when (exception is OperationCanceledException or InvalidOperationException)
                {
                    continue; // crashed meanwhile (a scenario's crash after a reply)
                }
                if (state.IsLeader)
                {
                    watcher.ObservedLeader(state.Term, PeerId(i));
                    if (state.Term > leaderTerm)
                    {
                        (leader, leaderTerm) = (i, state.Term);
                    }
                }
            }
            if (leader is { } found)
            {
                return (found, leaderTerm);
            }
            if (loop.GetElapsedTime(started) >= limit)
            {
                return null;
            }
            await Task.Delay(poll, loop);
        }
    }

    /// <summary>Crashes a peer for a scenario: it stays down until <see cref="RestartAsync"/> or the final heal.</summary>
    public void CrashPeer(int peer)
    {
        if (down.Add(peer))
        {
            cluster.Network.Disconnect(Host(peer));
            cluster.Crash(PeerId(peer));
            Trace($"scenario: crashed peer {peer}");
        }
    }

    /// <summary>Restarts a crashed peer and connects it (a scenario's restart).</summary>
    public Task RestartPeerAsync(int peer) => RestartAsync(peer);

    /// <summary>Polls every running peer for the leader.</summary>
    public async Task<int?> FindLeaderAsync()
    {
        int? leader = null;
        long leaderTerm = -1;
        for (var i = 0; i < schedule.PeerCount; i++)
        {
            if (down.Contains(i) || !cluster.IsRunning(PeerId(i)))
            {
                continue;
            }
            var state = await cluster.CallAsync(PeerId(i), peer => peer.GetState());
            if (state.IsLeader)
            {
                watcher.ObservedLeader(state.Term, PeerId(i));
                if (state.Term > leaderTerm && !disconnected.Contains(i))
                {
                    leader = i;
                    leaderTerm = state.Term;
                }
            }
        }
        return leader;
    }

}
