using Raft.Grains;
using Raft.Simulation;
using Raft.Tests.Peer;
using Xunit;
using static Raft.Tests.Simulation.SimulatedGroupSteps;

namespace Raft.Tests.Simulation;

/// <summary>
/// A process that stops running for a while (a GC pause, a starved or frozen machine) and then resumes, on the
/// simulator: its late timers are not evidence that the leader failed, and an election still happens when one is due.
/// </summary>
public sealed class StallTests
{
    private static readonly string[] PeerIds = ["kv/0", "kv/1", "kv/2"];
    private static readonly TimeSpan StallLength = TimeSpan.FromSeconds(2);

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    public void AWholeSiloThatStallsLongerThanAnElectionTimeoutKeepsItsLeaderAndTerm(int seed)
    {
        var loop = new SimulationLoop(traceCapacity: 10_000);
        loop.Run(async () =>
        {
            var (cluster, machines) = await StartAsync(loop, seed);
            var leader = await LeaderAsync(loop, cluster);
            await AgreeAsync(loop, cluster, machines, "before");
            var term = (await cluster.CallAsync(leader, p => p.GetState())).Term;

            // Every peer lives in the one silo that stalls: the leader sends no heartbeat and no follower hears one.
            foreach (var id in PeerIds)
            {
                cluster.Stall(id, StallLength);
            }
            await Task.Delay(StallLength + TimeSpan.FromSeconds(2), loop);

            foreach (var id in PeerIds)
            {
                var state = await cluster.CallAsync(id, p => p.GetState());
                Assert.True(state.Term == term, $"{id} is in term {state.Term} after the stall, was {term}: the stall started an election");
            }
            Assert.Equal(leader, await LeaderAsync(loop, cluster));
            await AgreeAsync(loop, cluster, machines, "after");
        }, TimeSpan.FromMinutes(5));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void FollowersThatStalledAfterTheirLeaderDiedWaitOneTimeoutMoreThenElectANewLeader(int seed)
    {
        var loop = new SimulationLoop(traceCapacity: 10_000);
        loop.Run(async () =>
        {
            var (cluster, machines) = await StartAsync(loop, seed);
            var leader = await LeaderAsync(loop, cluster);
            await AgreeAsync(loop, cluster, machines, "before");

            cluster.Crash(leader);
            var followers = PeerIds.Where(id => id != leader).ToArray();
            foreach (var id in followers)
            {
                cluster.Stall(id, StallLength);
            }
            await Task.Delay(StallLength, loop);
            var resumed = loop.GetTimestamp();

            // A late tick waits one more timeout, never two: the next one campaigns.
            var options = cluster.Options.Raft;
            var limit = 2 * options.ElectionTimeoutMax + TimeSpan.FromMilliseconds(100);
            var next = await LeaderAsync(loop, cluster, limit);
            Assert.NotEqual(leader, next);
            Assert.InRange(loop.GetElapsedTime(resumed), options.ElectionTimeoutMin, limit);
        }, TimeSpan.FromMinutes(5));
    }

    private static async Task<(SimulatedRaftCluster Cluster, RecordingStateMachineFactory Machines)> StartAsync(SimulationLoop loop, int seed)
    {
        var machines = new RecordingStateMachineFactory();
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
        return (cluster, machines);
    }
}
