using System.Text;
using Raft.Grains;
using Raft.Grains.Interfaces;
using Raft.Simulation;
using Raft.Tests.Peer;
using Xunit;
using static Raft.Tests.Simulation.SimulatedGroupSteps;
using Xunit.Sdk;

namespace Raft.Tests.Simulation;

/// <summary>What the driver does when a port call fails, on the simulator: it never answers from state storage lacks.</summary>
public sealed class DriverFailureTests
{
    private static readonly string[] PeerIds = ["kv/0", "kv/1", "kv/2"];

    [Fact]
    public void ALeaderWhoseWriteFailsStopsAnsweringAndALaterLifeRejoinsFromItsDisk()
    {
        var loop = new SimulationLoop(traceCapacity: 10_000);
        loop.Run(async () =>
        {
            var machines = new RecordingStateMachineFactory();
            var cluster = new SimulatedRaftCluster(loop, new SimulatedRaftOptions
            {
                Raft = new RaftOptions { Seed = 3 },
                Network = new SimulatedNetworkOptions { Seed = 3, Latency = TimeSpan.FromMilliseconds(1) },
                StateMachines = machines,
            });
            foreach (var id in PeerIds)
            {
                await cluster.StartAsync(id);
            }
            var leader = await LeaderAsync(loop, cluster);
            await AgreeAsync(loop, cluster, machines, "before");

            // The leader's disk refuses its next write: the proposal's own flush fails, so Start must not return an index.
            cluster.Disk(leader).FailNextWrites(1);
            var writesBefore = cluster.Disk(leader).Writes;
            await Assert.ThrowsAsync<PeerStorageException>(() => cluster.CallAsync(leader, peer => peer.Start(Encoding.UTF8.GetBytes("lost"))));
            Assert.Equal(writesBefore, cluster.Disk(leader).Writes);

            // The failed life answers nothing more; the simulator drops it and starts a new life from the disk.
            await WaitUntilAsync(loop, () => cluster.LifeCount(leader) == 2 && cluster.IsRunning(leader), "a new life of the failed leader");
            await AgreeAsync(loop, cluster, machines, "after");
            foreach (var id in PeerIds)
            {
                Assert.Empty(machines.Latest(id)!.Errors);
            }
            Assert.Contains(loop.RecentTrace, line => line.Contains($"deactivate {leader}#1", StringComparison.Ordinal));
        }, TimeSpan.FromMinutes(5));
    }

    private static async Task WaitUntilAsync(SimulationLoop loop, Func<bool> condition, string what)
    {
        var started = loop.GetTimestamp();
        while (!condition())
        {
            if (loop.GetElapsedTime(started) > TimeSpan.FromSeconds(10))
            {
                throw new XunitException($"no {what} within 10 s of virtual time");
            }
            await Task.Delay(TimeSpan.FromMilliseconds(10), loop);
        }
    }
}
