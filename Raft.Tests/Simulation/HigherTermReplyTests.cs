using Raft.Grains;
using Raft.Simulation;
using Xunit;

namespace Raft.Tests.Simulation;

/// <summary>
/// Raft §5.1: a server that sees a higher term in a request or a response adopts it and, if it led, steps down at once.
/// End to end on the simulator: a deposed leader that can reach only a follower of the newer term must step down on
/// that follower's first reply, not wait for an election to reach it.
/// </summary>
public sealed class HigherTermReplyTests
{
    private static readonly TimeSpan Heartbeat = TimeSpan.FromMilliseconds(50);

    [Fact]
    public void ADeposedLeaderStepsDownOnTheFirstAppendEntriesReplyThatCarriesAHigherTerm()
    {
        var loop = new SimulationLoop(traceCapacity: 10_000);
        loop.Run(async () =>
        {
            // Without check-quorum the old leader keeps leading while cut off, as in the Raft paper: only a message of
            // the newer term can tell it.
            var group = await SimulatedGroup.StartAsync(loop, new RaftOptions
            {
                Seed = 5,
                CheckQuorum = false,
                HeartbeatInterval = Heartbeat,
                ElectionTimeoutMin = TimeSpan.FromMilliseconds(300),
                ElectionTimeoutMax = TimeSpan.FromMilliseconds(600),
            }, seed: 5);
            var cluster = group.Cluster;
            var ids = group.Ids;
            var old = await group.LeaderAsync(ids);
            var (follower, other) = (ids.First(id => id != old), ids.Last(id => id != old));

            // The two others elect a leader of a newer term while the old leader is cut off.
            cluster.Network.Partition([cluster.HostOf(old)], [cluster.HostOf(follower), cluster.HostOf(other)]);
            var newer = await group.LeaderAsync(follower, other);
            var oldState = await cluster.CallAsync(old, p => p.GetState());
            var newerState = await cluster.CallAsync(newer, p => p.GetState());
            Assert.True(oldState.IsLeader, "without check-quorum the cut-off leader still believes it leads");
            Assert.True(newerState.Term > oldState.Term);

            // The old leader now reaches only the new leader's follower, which answers its heartbeats with the newer term.
            var reached = newer == follower ? other : follower;
            cluster.Network.Partition([cluster.HostOf(old), cluster.HostOf(reached)], [cluster.HostOf(newer)]);
            var cut = loop.GetTimestamp();
            while ((await cluster.CallAsync(old, p => p.GetState())).IsLeader)
            {
                // A heartbeat goes out within one interval and its reply is back 2 ms later.
                Assert.True(loop.GetElapsedTime(cut) <= 2 * Heartbeat,
                    $"{old} still leads {loop.GetElapsedTime(cut).TotalMilliseconds:0} ms after {reached} could answer it with term {newerState.Term}");
                await Task.Delay(TimeSpan.FromMilliseconds(1), loop);
            }
            Assert.True((await cluster.CallAsync(old, p => p.GetState())).Term >= newerState.Term, "it stepped down without adopting the newer term");
            group.CrashAll();
        }, TimeSpan.FromMinutes(5));
    }
}
