using System.Text;
using Raft.Simulation;
using Raft.Tests.Peer;
using Xunit.Sdk;

namespace Raft.Tests.Simulation;

/// <summary>Steps of the simulated driver tests, in virtual time: find the leader, agree on a command.</summary>
internal static class SimulatedGroupSteps
{
    /// <summary>The running peer that says it leads, asked every 10 ms until <paramref name="within"/> (10 s) passes.</summary>
    public static async Task<string> LeaderAsync(SimulationLoop loop, SimulatedRaftCluster cluster, TimeSpan? within = null)
    {
        var limit = within ?? TimeSpan.FromSeconds(10);
        var started = loop.GetTimestamp();
        while (loop.GetElapsedTime(started) < limit)
        {
            foreach (var id in cluster.PeerIds.Where(cluster.IsRunning))
            {
                if ((await cluster.CallAsync(id, p => p.GetState())).IsLeader)
                {
                    return id;
                }
            }
            await Task.Delay(TimeSpan.FromMilliseconds(10), loop);
        }
        throw new XunitException($"no leader within {limit.TotalMilliseconds} ms of virtual time");
    }

    /// <summary>Offers <paramref name="command"/> to the leader until every running peer applied it (10 s at most).</summary>
    public static async Task AgreeAsync(SimulationLoop loop, SimulatedRaftCluster cluster, RecordingStateMachineFactory machines, string command)
    {
        var started = loop.GetTimestamp();
        while (loop.GetElapsedTime(started) < TimeSpan.FromSeconds(10))
        {
            var leader = await LeaderAsync(loop, cluster);
            var result = await cluster.CallAsync(leader, p => p.Start(Encoding.UTF8.GetBytes(command)));
            if (result.IsLeader)
            {
                var offered = loop.GetTimestamp();
                while (loop.GetElapsedTime(offered) < TimeSpan.FromSeconds(2))
                {
                    if (cluster.PeerIds.Where(cluster.IsRunning).All(id => machines.Latest(id)?.CommandAt(result.Index) == command))
                    {
                        return;
                    }
                    await Task.Delay(TimeSpan.FromMilliseconds(10), loop);
                }
            }
            await Task.Delay(TimeSpan.FromMilliseconds(50), loop);
        }
        throw new XunitException($"'{command}' was not applied by every running peer within 10 s of virtual time");
    }
}
