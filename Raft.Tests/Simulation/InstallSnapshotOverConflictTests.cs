using Raft.Grains;
using Raft.Simulation;
using Xunit;

namespace Raft.Tests.Simulation;

/// <summary>
/// Raft Figure 13 (InstallSnapshot, step 6-7): a follower keeps the entries after the snapshot only if it holds the
/// snapshot's last entry with the snapshot's term; otherwise it discards its whole log. End to end on the simulator: a
/// follower whose uncommitted tail, from a deposed leader, runs past the new leader's snapshot point must end with the
/// leader's log, not with its old entries after the snapshot.
/// </summary>
public sealed class InstallSnapshotOverConflictTests
{
    private const int Stale = 40;
    private const int Committed = 25;

    [Fact]
    public void AFollowerWhoseLogConflictsAtTheSnapshotPointDiscardsItsWholeLog()
    {
        var loop = new SimulationLoop(traceCapacity: 10_000);
        loop.Run(async () =>
        {
            var group = await SimulatedGroup.StartAsync(loop, new RaftOptions { Seed = 11 }, seed: 11, peers: 5);
            var cluster = group.Cluster;
            var ids = group.Ids;
            var old = await group.LeaderAsync(ids);
            var follower = ids.First(id => id != old);
            var rest = ids.Where(id => id != old && id != follower).ToArray();
            await group.CommitAsync(old, 1);

            // The old leader and one follower, a minority, hold a tail of entries that never commit.
            cluster.Network.Partition([cluster.HostOf(old), cluster.HostOf(follower)], rest.Select(cluster.HostOf).ToArray());
            var staleLast = await group.ProposeAsync(old, Stale);
            await group.WaitUntilAsync(async () => (await cluster.CallAsync(follower, p => p.GetStatus())).LastLogIndex == staleLast, "the stale tail on the follower");

            // The majority elects a leader that commits fewer entries than the tail and snapshots at its last one.
            var leader = await group.LeaderAsync(rest);
            var last = await group.CommitAsync(leader, Committed);
            Assert.True(last < staleLast, $"the leader's log ({last}) must end inside the follower's stale tail ({staleLast})");
            await group.WaitUntilAsync(async () => (await cluster.CallAsync(leader, p => p.GetStatus())).LastApplied >= last, "the leader applying its log");
            await cluster.CallAsync(leader, async p => { await p.SnapshotAsync(last, [1, 2, 3]); return true; });

            // The follower joins the majority: its entry at the snapshot point has another term, so InstallSnapshot must
            // leave it with nothing after the snapshot. The leader has no entry after it, so only the snapshot repairs it.
            cluster.Network.Partition([cluster.HostOf(old)], [cluster.HostOf(follower), .. rest.Select(cluster.HostOf)]);
            var leaderStatus = await cluster.CallAsync(leader, p => p.GetStatus());
            await group.WaitUntilAsync(async () => (await cluster.CallAsync(follower, p => p.GetStatus())).SnapshotIndex == last, "the follower installing the snapshot");
            await Task.Delay(TimeSpan.FromMilliseconds(500), loop); // several heartbeats: nothing else would change its log
            var followerStatus = await cluster.CallAsync(follower, p => p.GetStatus());
            Assert.Equal((leaderStatus.LastLogIndex, leaderStatus.LastLogTerm), (followerStatus.LastLogIndex, followerStatus.LastLogTerm));
            group.CrashAll();
        }, TimeSpan.FromMinutes(5));
    }
}
