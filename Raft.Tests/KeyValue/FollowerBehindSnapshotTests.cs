using Microsoft.Extensions.Logging.Abstractions;
using Raft.Client;
using Raft.Grains;
using Raft.Grains.Interfaces;
using Raft.Simulation;
using Xunit;
using Xunit.Abstractions;

namespace Raft.Tests.KeyValue;

/// <summary>
/// A follower that comes back behind the leader's snapshot while 16 clients keep writing and the leader keeps
/// compacting, on a disk that takes 50 ms per write: it must catch up (the failover benchmark once saw a restarted
/// follower that did not, for minutes, until a leader change; this is one shape of that, in virtual time).
/// </summary>
public sealed class FollowerBehindSnapshotTests(ITestOutputHelper output)
{
    [Fact]
    public void AFollowerBehindTheLeadersSnapshotCatchesUpWhileClientsWrite()
    {
        var loop = new SimulationLoop();
        Exception? failure = null;
        var (followerApplied, leaderCommit, followerSnapshot) = (0L, 0L, 0L);
        loop.Run(async () =>
        {
            try
            {
                var raft = new RaftOptions();
                var cluster = new SimulatedRaftCluster(loop, SimulatedKeyValue.Options(loop, "kv", ["0", "1", "2"], raft,
                    new KeyValueOptions { MaxRaftStateBytes = 20_000 }, new SimulatedNetworkOptions { Seed = 1 },
                    NullLoggerFactory.Instance, diskWriteLatency: TimeSpan.FromMilliseconds(50)));
                foreach (var peer in cluster.PeerIds)
                {
                    await cluster.StartAsync(peer);
                }
                var writing = true;
                var writers = Enumerable.Range(0, 16).Select(async i =>
                {
                    var client = new KeyValueClient(new SimulatedKeyValueTransport(cluster, $"w{i}"), new KeyValueClientOptions(), loop);
                    var n = 0;
                    while (writing)
                    {
                        await client.AppendAsync($"k{i}", $"{n++},");
                    }
                }).ToArray();
                await Task.Delay(TimeSpan.FromSeconds(5), loop);

                var leader = await LeaderAsync(cluster);
                var follower = cluster.PeerIds.First(p => p != leader);
                cluster.Network.Disconnect(cluster.HostOf(follower));
                await Task.Delay(TimeSpan.FromSeconds(20), loop);
                var leaderStatus = await cluster.CallAsync(leader, p => p.GetStatus());
                var behind = await cluster.CallAsync(follower, p => p.GetStatus());
                Assert.True(leaderStatus.SnapshotIndex > behind.LastLogIndex,
                    $"the leader's snapshot ({leaderStatus.SnapshotIndex}) does not cover the follower's log ({behind.LastLogIndex}) yet");
                cluster.Network.Connect(cluster.HostOf(follower));
                await Task.Delay(TimeSpan.FromSeconds(30), loop);
                writing = false;
                await Task.WhenAll(writers);
                await Task.Delay(TimeSpan.FromSeconds(5), loop);
                var final = await cluster.CallAsync(await LeaderAsync(cluster), p => p.GetStatus());
                var caughtUp = await cluster.CallAsync(follower, p => p.GetStatus());
                (followerApplied, leaderCommit, followerSnapshot) = (caughtUp.LastApplied, final.CommitIndex, caughtUp.SnapshotIndex);
            }
            catch (Exception exception)
            {
                failure = exception;
            }
        }, TimeSpan.FromMinutes(5));
        if (failure is not null)
        {
            throw new Xunit.Sdk.XunitException(failure.ToString());
        }
        output.WriteLine($"follower applied {followerApplied} (snapshot {followerSnapshot}), leader committed {leaderCommit}");
        Assert.Equal(leaderCommit, followerApplied);
    }

    private static async Task<string> LeaderAsync(SimulatedRaftCluster cluster)
    {
        while (true)
        {
            foreach (var peer in cluster.PeerIds.Where(cluster.IsRunning))
            {
                if ((await cluster.CallAsync(peer, p => p.GetStatus())).IsLeader)
                {
                    return peer;
                }
            }
            await Task.Delay(TimeSpan.FromMilliseconds(50), cluster.Loop);
        }
    }
}
