using Raft.Grains.Interfaces;

namespace Raft.Simulation.Explorer;

/// <summary>
/// Applies a schedule's faults to a running cluster and keeps track of what it did: which peers are down (crashed and
/// kept disconnected until restarted) and which are disconnected. Every fault is written into the simulation trace as
/// a "fault …" line. Looking for the leader asks only running peers.
/// </summary>
internal sealed class FaultInjector(SimulatedRaftCluster cluster, FaultSchedule schedule, SimulationLoop loop, RaftLogWatcher watcher)
{
    /// <summary>How long a peer crashed right after a reply stays down: shorter than an election, so it votes again in the same term.</summary>
    private static readonly TimeSpan RestartAfterReplyCrash = TimeSpan.FromMilliseconds(5);

    private readonly HashSet<int> down = new();
    private readonly HashSet<int> disconnected = new();

    public string PeerId(int index) => cluster.PeerIds[index];

    private string Host(int index) => cluster.HostOf(PeerId(index));

    private void Trace(string text) => loop.Record("fault " + text);

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
