using System.Text;
using Raft.Grains;
using Raft.Simulation;
using Xunit.Sdk;

namespace Raft.Tests.Simulation;

/// <summary>
/// A three-peer Raft group of production drivers on the simulator, with 1 ms links, for tests that build one precise
/// situation by hand (who is cut off from whom, who leads) and measure how the peers react, in virtual time.
/// </summary>
internal sealed class SimulatedGroup
{
    public static readonly string[] PeerIds = ["kv/0", "kv/1", "kv/2"];

    private SimulatedGroup(SimulationLoop loop, SimulatedRaftCluster cluster)
    {
        Loop = loop;
        Cluster = cluster;
    }

    public SimulationLoop Loop { get; }

    public SimulatedRaftCluster Cluster { get; }

    public static async Task<SimulatedGroup> StartAsync(SimulationLoop loop, RaftOptions raft, int seed)
    {
        var cluster = new SimulatedRaftCluster(loop, new SimulatedRaftOptions
        {
            Raft = raft,
            Network = new SimulatedNetworkOptions { Seed = seed, Latency = TimeSpan.FromMilliseconds(1) },
        });
        foreach (var id in PeerIds)
        {
            await cluster.StartAsync(id);
        }
        return new SimulatedGroup(loop, cluster);
    }

    /// <summary>Polls <paramref name="among"/> every millisecond until one of them leads; fails the test after 10 s.</summary>
    public async Task<string> LeaderAsync(params string[] among)
    {
        var started = Loop.GetTimestamp();
        while (Loop.GetElapsedTime(started) < TimeSpan.FromSeconds(10))
        {
            foreach (var id in among)
            {
                if ((await Cluster.CallAsync(id, p => p.GetState())).IsLeader)
                {
                    return id;
                }
            }
            await Task.Delay(TimeSpan.FromMilliseconds(1), Loop);
        }
        throw new XunitException($"none of {string.Join(", ", among)} led within 10 s of virtual time");
    }

    /// <summary>Proposes <paramref name="count"/> commands to <paramref name="leader"/> and waits until it committed them.</summary>
    public async Task CommitAsync(string leader, int count)
    {
        long last = 0;
        for (var i = 0; i < count; i++)
        {
            var result = await Cluster.CallAsync(leader, p => p.Start(Encoding.UTF8.GetBytes($"command {i}")));
            if (!result.IsLeader)
            {
                throw new XunitException($"{leader} lost its leadership while commands were proposed");
            }
            last = result.Index;
        }
        var started = Loop.GetTimestamp();
        while ((await Cluster.CallAsync(leader, p => p.GetStatus())).CommitIndex < last)
        {
            if (Loop.GetElapsedTime(started) > TimeSpan.FromSeconds(10))
            {
                throw new XunitException($"{leader} did not commit index {last} within 10 s of virtual time");
            }
            await Task.Delay(TimeSpan.FromMilliseconds(1), Loop);
        }
    }
}
