using System.Text;
using Raft.Grains;
using Raft.Simulation;
using Xunit.Sdk;

namespace Raft.Tests.Simulation;

/// <summary>
/// A Raft group of production drivers on the simulator, with 1 ms links, for tests that build one precise
/// situation by hand (who is cut off from whom, who leads) and measure how the peers react, in virtual time.
/// </summary>
internal sealed class SimulatedGroup
{
    private SimulatedGroup(SimulationLoop loop, SimulatedRaftCluster cluster)
    {
        Loop = loop;
        Cluster = cluster;
    }

    public SimulationLoop Loop { get; }

    public SimulatedRaftCluster Cluster { get; }

    /// <summary>"kv/0", "kv/1", …</summary>
    public string[] Ids => Cluster.PeerIds.ToArray();

    public static async Task<SimulatedGroup> StartAsync(SimulationLoop loop, RaftOptions raft, int seed, int peers = 3)
    {
        var cluster = new SimulatedRaftCluster(loop, new SimulatedRaftOptions
        {
            Members = Enumerable.Range(0, peers).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray(),
            Raft = raft,
            Network = new SimulatedNetworkOptions { Seed = seed, Latency = TimeSpan.FromMilliseconds(1) },
        });
        foreach (var id in cluster.PeerIds)
        {
            await cluster.StartAsync(id);
        }
        return new SimulatedGroup(loop, cluster);
    }

    /// <summary>Polls <paramref name="among"/> every millisecond until one of them leads; fails the test after 10 s.</summary>
    public Task<string> LeaderAsync(params string[] among) =>
        SimulatedGroupSteps.LeaderAmongAsync(Loop, Cluster, () => among, TimeSpan.FromMilliseconds(1), TimeSpan.FromSeconds(10));

    /// <summary>Proposes <paramref name="count"/> commands to <paramref name="leader"/>; the index of the last.</summary>
    public async Task<long> ProposeAsync(string leader, int count)
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
        return last;
    }

    /// <summary>Proposes <paramref name="count"/> commands to <paramref name="leader"/> and waits until it committed them; the last index.</summary>
    public async Task<long> CommitAsync(string leader, int count)
    {
        var last = await ProposeAsync(leader, count);
        await WaitUntilAsync(async () => (await Cluster.CallAsync(leader, p => p.GetStatus())).CommitIndex >= last, $"{leader} committing index {last}");
        return last;
    }

    /// <summary>Polls <paramref name="condition"/> every millisecond; fails the test when it is not true within 10 s.</summary>
    public async Task WaitUntilAsync(Func<Task<bool>> condition, string what)
    {
        var started = Loop.GetTimestamp();
        while (!await condition())
        {
            if (Loop.GetElapsedTime(started) > TimeSpan.FromSeconds(10))
            {
                throw new XunitException($"{what}: not within 10 s of virtual time");
            }
            await Task.Delay(TimeSpan.FromMilliseconds(1), Loop);
        }
    }

    /// <summary>Crashes every peer: nothing of the group runs after the test.</summary>
    public void CrashAll()
    {
        foreach (var id in Ids)
        {
            Cluster.Crash(id);
        }
    }
}
