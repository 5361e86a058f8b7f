using System.Text;
using Raft.Simulation;
using Raft.Tests.Peer;
using Xunit.Sdk;

namespace Raft.Tests.Simulation;

/// <summary>Steps of the simulated driver tests, in virtual time: find the leader, agree on a command.</summary>
internal static class SimulatedGroupSteps
{
    /// <summary>The running peer that says it leads, asked every 10 ms until <paramref name="within"/> (10 s) passes.</summary>
    public static Task<string> LeaderAsync(SimulationLoop loop, SimulatedRaftCluster cluster, TimeSpan? within = null) =>
        LeaderAmongAsync(loop, cluster, () => cluster.PeerIds.Where(cluster.IsRunning), TimeSpan.FromMilliseconds(10), within ?? TimeSpan.FromSeconds(10));

    /// <summary>
    /// The first of <paramref name="candidates"/> (asked anew each round) that says it leads, asked every
    /// <paramref name="poll"/>; fails the test when none does within <paramref name="within"/> of virtual time.
    /// </summary>
    public static async Task<string> LeaderAmongAsync(
        SimulationLoop loop, SimulatedRaftCluster cluster, Func<IEnumerable<string>> candidates, TimeSpan poll, TimeSpan within)
    {
        var started = loop.GetTimestamp();
        while (loop.GetElapsedTime(started) < within)
        {
            foreach (var id in candidates())
            {
                if ((await cluster.CallAsync(id, p => p.GetState())).IsLeader)
                {
                    return id;
                }
            }
            await Task.Delay(poll, loop);
        }
        throw new XunitException($"none of {string.Join(", ", candidates())} led within {within.TotalMilliseconds} ms of virtual time");
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
