using System.Diagnostics;
using System.Text;
using Raft.Grains;
using Raft.Grains.Interfaces;
using Raft.Simulation;
using Raft.Tests.Peer;
using Xunit;
using Xunit.Abstractions;
using Xunit.Sdk;

namespace Raft.Tests.Simulation;

/// <summary>A Raft group of production drivers (RaftPeer) on the simulator: no grain runtime, virtual time, one thread.</summary>
public sealed class RaftSimulationTests(ITestOutputHelper output)
{
    private const int Commands = 100;
    private static readonly string[] PeerIds = ["kv/0", "kv/1", "kv/2"];

    /// <summary>
    /// Three Raft peers, each a host of its own, with simulated disks and the simulated network: elect a leader, then agree on
    /// <see cref="Commands"/> commands one at a time as the 6.5840 one() does. Returns the trace and the final state.
    /// </summary>
    private static SimulationResult RunRaft(int seed, bool reliable)
    {
        var loop = new SimulationLoop(traceCapacity: 1_000_000);
        var clock = Stopwatch.StartNew();
        var state = loop.Run(async () =>
        {
            var machines = new RecordingStateMachineFactory();
            var cluster = await StartGroupAsync(loop, seed, machines);
            cluster.Network.Reliable = reliable;
            PeerCalls Peer(string id) => new(cluster, id);

            var leader = await LeaderAsync(loop, Peer, PeerIds, TimeSpan.FromSeconds(5));
            var elected = loop.Elapsed;

            for (var i = 1; i <= Commands; i++)
            {
                var command = $"cmd-{i}";
                var index = await OneAsync(loop, Peer, machines, command);
                Assert.Equal(i, index);
            }

            var lines = new List<string> { $"first leader {leader} at {elected}; {Commands} commands agreed by {loop.Elapsed}" };
            foreach (var id in PeerIds)
            {
                var status = await Peer(id).GetStatus();
                var machine = machines.Latest(id)!;
                var digest = Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(
                    Encoding.UTF8.GetBytes(string.Join("\n", machine.State.OrderBy(e => e.Key).Select(e => $"{e.Key}={e.Value}")))))[..16];
                lines.Add($"{id}: {status.Role} term {status.Term} commit {status.CommitIndex} applied {machine.LastApplied} state {digest} errors {machine.Errors.Count}");
            }
            lines.Add($"network calls={cluster.Network.TotalCount} bytes={cluster.Network.TotalBytes}");
            return string.Join(Environment.NewLine, lines);
        }, TimeSpan.FromMinutes(10));
        clock.Stop();
        return new SimulationResult(loop.TraceHash, loop.EventCount, state, clock.Elapsed, loop.Elapsed, loop.RecentTrace);
    }

    /// <summary>6.5840 one(): offer the command to each peer until a leader takes it, wait up to 2 s for all to apply it; retry up to 10 s.</summary>
    private static async Task<long> OneAsync(
        SimulationLoop loop, Func<string, PeerCalls> peer, RecordingStateMachineFactory machines, string command, IReadOnlyList<string>? expected = null)
    {
        var peers = expected ?? PeerIds;
        var started = loop.GetTimestamp();
        while (loop.GetElapsedTime(started) < TimeSpan.FromSeconds(10))
        {
            StartResult? accepted = null;
            foreach (var id in peers)
            {
                var result = await peer(id).Start(Encoding.UTF8.GetBytes(command));
                if (result.IsLeader)
                {
                    accepted = result;
                    break;
                }
            }
            if (accepted is null)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(50), loop);
                continue;
            }
            var offered = loop.GetTimestamp();
            while (loop.GetElapsedTime(offered) < TimeSpan.FromSeconds(2))
            {
                if (peers.All(id => machines.Latest(id)?.CommandAt(accepted.Index) == command))
                {
                    return accepted.Index;
                }
                await Task.Delay(TimeSpan.FromMilliseconds(10), loop);
            }
        }
        throw new XunitException($"one('{command}') failed to reach agreement within 10 s of virtual time");
    }

    /// <summary>Three peers "kv/0".."kv/2", each a host of its own, started on the simulated network.</summary>
    private static async Task<SimulatedRaftCluster> StartGroupAsync(SimulationLoop loop, int seed, RecordingStateMachineFactory machines)
    {
        var cluster = new SimulatedRaftCluster(loop, new SimulatedRaftOptions
        {
            Raft = new RaftOptions { Seed = seed },
            Network = new SimulatedNetworkOptions { Seed = seed, Latency = TimeSpan.FromMilliseconds(1) },
            StateMachines = machines,
        });
        foreach (var id in PeerIds)
        {
            await cluster.StartAsync(id);
        }
        return cluster;
    }

    /// <summary>The test's calls into one running peer (the tester's direct access of 6.5840, not through the network).</summary>
    private readonly record struct PeerCalls(SimulatedRaftCluster Cluster, string Id)
    {
        public Task<StartResult> Start(byte[] command) => Cluster.CallAsync(Id, peer => peer.Start(command));

        public Task<RaftState> GetState() => Cluster.CallAsync(Id, peer => peer.GetState());

        public Task<RaftStatus> GetStatus() => Cluster.CallAsync(Id, peer => peer.GetStatus());
    }

    /// <summary>The first of <paramref name="among"/> that says it is leader, polling until <paramref name="timeout"/> of virtual time.</summary>
    private static async Task<string> LeaderAsync(SimulationLoop loop, Func<string, PeerCalls> peer, IEnumerable<string> among, TimeSpan timeout)
    {
        string? leader = null;
        await Conditions.WaitUntilAsync(async () =>
        {
            foreach (var id in among)
            {
                if ((await peer(id).GetState()).IsLeader)
                {
                    leader = id;
                    return true;
                }
            }
            return false;
        }, timeout, "a leader", loop);
        return leader!;
    }

    /// <summary>
    /// The same group through faults, on an unreliable and reordering network with snapshots every 10 entries: the leader
    /// is disconnected and comes back, a follower crashes and restarts, the leader is killed and restarted, and a
    /// follower is stopped gracefully and started again; the group keeps agreeing throughout.
    /// </summary>
    private static SimulationResult RunRaftWithFaults(int seed)
    {
        var loop = new SimulationLoop(traceCapacity: 1_000_000);
        var clock = Stopwatch.StartNew();
        var state = loop.Run(async () =>
        {
            var machines = new RecordingStateMachineFactory(snapshotEvery: 10);
            var cluster = await StartGroupAsync(loop, seed, machines);
            cluster.Network.Reliable = false;
            cluster.Network.LongReordering = true;
            PeerCalls Peer(string id) => new(cluster, id);
            var log = new List<string>();
            var next = 1;
            async Task AgreeAsync(int count, IReadOnlyList<string>? expected = null)
            {
                for (var i = 0; i < count; i++, next++)
                {
                    await OneAsync(loop, Peer, machines, $"cmd-{next}", expected);
                }
            }

            var leader = await LeaderAsync(loop, Peer, PeerIds, TimeSpan.FromSeconds(10));
            log.Add($"{loop.Elapsed}: leader {leader}");
            await AgreeAsync(15);

            cluster.Network.Disconnect(cluster.HostOf(leader));
            var others = PeerIds.Where(id => id != leader).ToArray();
            await AgreeAsync(15, others);
            cluster.Network.Connect(cluster.HostOf(leader));
            log.Add($"{loop.Elapsed}: {leader} reconnected");
            await AgreeAsync(10);

            var follower = PeerIds.First(id => id != leader);
            cluster.Crash(follower);
            await cluster.StartAsync(follower);
            await AgreeAsync(10);
            log.Add($"{loop.Elapsed}: {follower} restarted");

            leader = await LeaderAsync(loop, Peer, PeerIds, TimeSpan.FromSeconds(10));
            cluster.Crash(leader);
            await AgreeAsync(10, PeerIds.Where(id => id != leader).ToArray());
            var stopped = PeerIds.First(id => id != leader);
            await cluster.StopAsync(stopped);
            await cluster.StartAsync(leader);
            await cluster.StartAsync(stopped);
            log.Add($"{loop.Elapsed}: killed {leader}, stopped {stopped}, both back");
            await AgreeAsync(20);

            await Conditions.WaitUntilAsync(() => Task.FromResult(PeerIds.Select(id => machines.Latest(id)?.LastApplied).Distinct().Count() == 1),
                TimeSpan.FromSeconds(5), "every peer to apply the same prefix", loop);
            foreach (var id in PeerIds)
            {
                var status = await Peer(id).GetStatus();
                var machine = machines.Latest(id)!;
                if (machine.Errors.Count > 0)
                {
                    throw new XunitException($"{id}: {string.Join("; ", machine.Errors)}");
                }
                log.Add($"{id}: {status.Role} term {status.Term} commit {status.CommitIndex} snapshot {status.SnapshotIndex} applied {machine.LastApplied}");
            }
            log.Add($"network calls={cluster.Network.TotalCount} bytes={cluster.Network.TotalBytes}");
            return string.Join(Environment.NewLine, log);
        }, TimeSpan.FromMinutes(30));
        clock.Stop();
        return new SimulationResult(loop.TraceHash, loop.EventCount, state, clock.Elapsed, loop.Elapsed, loop.RecentTrace);
    }

    [Fact]
    public void ARaftGroupThroughPartitionsCrashesRestartsAndSnapshotsReplaysExactly()
    {
        var first = RunRaftWithFaults(seed: 5);
        var second = RunRaftWithFaults(seed: 5);
        output.WriteLine(first.State);
        output.WriteLine($"{first.Events} events, hash {first.Hash:x16}; virtual {first.Virtual.TotalSeconds:0.000} s, " +
            $"wall {first.Wall.TotalMilliseconds:0} ms and {second.Wall.TotalMilliseconds:0} ms");
        SimulationResult.AssertSameRun(first, second);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void ARaftGroupElectsAndCommitsAHundredEntriesTheSameWayTwice(bool reliable)
    {
        var first = RunRaft(seed: 11, reliable);
        var second = RunRaft(seed: 11, reliable);
        output.WriteLine(first.State);
        output.WriteLine($"{first.Events} events, hash {first.Hash:x16}; virtual {first.Virtual.TotalSeconds:0.000} s, " +
            $"wall {first.Wall.TotalMilliseconds:0} ms and {second.Wall.TotalMilliseconds:0} ms " +
            $"({first.Virtual / first.Wall:0.0}x and {second.Virtual / second.Wall:0.0}x real time)");
        SimulationResult.AssertSameRun(first, second);
        Assert.Contains("applied 100", first.State);
        Assert.DoesNotContain("errors 1", first.State);
        Assert.True(first.Wall < first.Virtual, $"the simulation took {first.Wall} of wall time for {first.Virtual} of virtual time");
    }
}
