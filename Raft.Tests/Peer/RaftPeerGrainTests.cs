using System.Diagnostics;
using System.Text;
using Raft.Grains.Interfaces;
using Xunit;
using Xunit.Abstractions;

namespace Raft.Tests.Peer;

[Collection(PeerTestCollection.Name)]
public sealed class RaftPeerGrainTests(ITestOutputHelper output)
{
    [Fact]
    public async Task ThreePeersElectExactlyOneLeaderWithinFiveSeconds()
    {
        var clock = Stopwatch.StartNew();
        await using var raft = await RaftTestCluster.StartAsync();
        var (leader, term) = await raft.WaitForLeaderAsync(timeout: TimeSpan.FromSeconds(5));
        output.WriteLine($"first leader {leader} in term {term} after {clock.ElapsedMilliseconds} ms");
        Assert.True(term >= 1);

        // The leader keeps its authority: followers learn it and no other peer claims leadership in its term.
        await RaftTestCluster.WaitUntilAsync(async () =>
        {
            var statuses = await Task.WhenAll(raft.PeerIds.Select(id => raft.Peer(id).GetStatus()));
            return statuses.All(s => s.Term == term && s.LeaderId == leader);
        }, TimeSpan.FromSeconds(5), "every peer to follow the leader in its term");
        var states = await Task.WhenAll(raft.PeerIds.Select(id => raft.Peer(id).GetState()));
        Assert.Single(states, s => s.IsLeader);
    }

    // Once KnownFlaky: in a starved full run a follower's late election tick changed the term. Since a tick that comes
    // after a stall of the process waits one more timeout (docs/raft-tests.md, "A stalled process"), it passed 12 of 12
    // runs beside a full CI run and the lab 3 loop (load average 10-37 on two cores).
    [Fact]
    public async Task IdleLeaderSendsAtMostTwentyRpcsPerSecondWithThreePeers()
    {
        await using var raft = await RaftTestCluster.StartAsync();
        var (leader, term) = await raft.WaitForLeaderAsync();
        await RaftTestCluster.WaitUntilAsync(async () =>
        {
            var statuses = await Task.WhenAll(raft.PeerIds.Select(id => raft.Peer(id).GetStatus()));
            return statuses.All(s => s.Term == term && s.LeaderId == leader);
        }, TimeSpan.FromSeconds(5), "every peer to follow the leader");
        var network = raft.Network;
        // The clock starts before the first count and stops after the last, so the window it measures holds every call counted.
        var clock = Stopwatch.StartNew();
        var before = network.TotalCount;
        var sentBefore = raft.SentCount(leader);
        var receivedBefore = raft.PeerIds.Select(raft.ReceivedCount).ToArray();
        await RaftTestCluster.WaitUntilAsync(() => Task.FromResult(clock.Elapsed >= TimeSpan.FromSeconds(2)), TimeSpan.FromSeconds(3), "two idle seconds");
        var sent = raft.SentCount(leader) - sentBefore;
        var rpcs = network.TotalCount - before;
        var window = clock.Elapsed;
        var received = raft.PeerIds.Select((id, i) => $"{id}: {raft.ReceivedCount(id) - receivedBefore[i]}");
        output.WriteLine($"leader {leader} sent {sent} RPCs in {window.TotalMilliseconds:0} ms idle ({sent / window.TotalSeconds:0.0}/s); " +
            $"{rpcs} RPCs in all; received {string.Join(", ", received)}");
        var (_, termAfter) = await raft.WaitForLeaderAsync();
        Assert.Equal(term, termAfter);
        // At most twenty a second: one heartbeat per follower per tick, and a tick's timer is armed a whole heartbeat
        // interval (100 ms) after the previous tick finished, so ticks are never closer than that, however loaded the
        // machine (load makes them later, never earlier). A window of T seconds holds at most 10 T + 1 ticks: the +1
        // is a tick at each edge of the window, not a faster rate. (The 6.5840 limit is 60 per idle second for the
        // whole group. A leader that stopped sending would have been replaced: the term check above.)
        var followers = raft.PeerIds.Count - 1;
        var bound = followers * ((long)Math.Floor(window.TotalSeconds * 10) + 1);
        Assert.True(sent <= bound, $"the idle leader sent {sent} RPCs in {window.TotalMilliseconds:0} ms, more than 20 a second (at most {bound})");
    }

    [Fact]
    public async Task StartOnTheLeaderIsAppliedOnAllPeersInOrder()
    {
        await using var raft = await RaftTestCluster.StartAsync();
        await raft.WaitForLeaderAsync();
        var latencies = new List<double>();
        for (var i = 1; i <= 5; i++)
        {
            var clock = Stopwatch.StartNew();
            var result = await raft.StartOnLeaderAsync($"cmd-{i}");
            Assert.Equal(i, result.Index);
            await raft.WaitAppliedAsync(i, $"cmd-{i}");
            latencies.Add(clock.Elapsed.TotalMilliseconds);
        }
        output.WriteLine($"Start -> applied on all 3: {string.Join(", ", latencies.Select(l => $"{l:0} ms"))}");
        foreach (var id in raft.PeerIds)
        {
            var commands = raft.Machine(id).Messages.Where(m => m.CommandValid).ToArray();
            Assert.Equal([1, 2, 3, 4, 5], commands.Select(m => m.CommandIndex));
            Assert.Equal(Enumerable.Range(1, 5).Select(i => $"cmd-{i}"), commands.Select(m => Encoding.UTF8.GetString(m.Command!)));
        }
        raft.AssertNoApplyErrors();
    }

    [Fact]
    public async Task StartOnAFollowerReturnsNotLeaderWithTheLeaderHint()
    {
        await using var raft = await RaftTestCluster.StartAsync();
        var (leader, term) = await raft.WaitForLeaderAsync();
        var follower = raft.PeerIds.First(id => id != leader);
        await RaftTestCluster.WaitUntilAsync(async () => (await raft.Peer(follower).GetStatus()).LeaderId == leader,
            TimeSpan.FromSeconds(5), $"{follower} to hear from {leader}");

        var result = await raft.Peer(follower).Start(Encoding.UTF8.GetBytes("not here"));

        Assert.False(result.IsLeader);
        Assert.Equal(leader, result.LeaderHint);
        Assert.Equal(0, result.Index);
        Assert.True(result.Term >= term);
    }

    [Fact]
    public async Task ADisconnectedLeaderIsReplacedAndItsUncommittedEntryIsNeverApplied()
    {
        await using var raft = await RaftTestCluster.StartAsync();
        await raft.StartOnLeaderAsync("first");
        await raft.WaitAppliedAsync(1, "first");
        var (oldLeader, oldTerm) = await raft.WaitForLeaderAsync();

        raft.Disconnect(oldLeader);
        var lost = await raft.Peer(oldLeader).Start(Encoding.UTF8.GetBytes("lost"));
        Assert.True(lost.IsLeader);
        Assert.Equal(2, lost.Index);

        var others = raft.PeerIds.Where(id => id != oldLeader).ToArray();
        var (newLeader, newTerm) = await raft.WaitForLeaderAsync(others, aboveTerm: oldTerm);
        Assert.NotEqual(oldLeader, newLeader);
        Assert.True(newTerm > oldTerm);
        var second = await raft.StartOnLeaderAsync("second", others);
        Assert.Equal(2, second.Index);
        await raft.WaitAppliedAsync(2, "second", others);

        raft.Connect(oldLeader);
        // The old leader may still take this before it hears of the new term (and lose it): one() retries.
        Assert.Equal(3, await raft.OneAsync("third"));
        await raft.WaitAppliedAsync(2, "second");
        var oldState = await raft.Peer(oldLeader).GetState();
        Assert.False(oldState.IsLeader && oldState.Term == oldTerm);
        Assert.DoesNotContain(raft.StateMachines.All.SelectMany(m => m.State.Values), c => c == "lost");
        raft.AssertNoApplyErrors();
    }

    [Fact]
    public async Task CrashAndRestartOfAllPeersKeepsEveryCommittedEntryAndRedeliversItFromIndexOne()
    {
        await using var raft = await RaftTestCluster.StartAsync();
        for (var i = 1; i <= 3; i++)
        {
            await raft.StartOnLeaderAsync($"before-{i}");
            await raft.WaitAppliedAsync(i, $"before-{i}");
        }

        foreach (var id in raft.PeerIds)
        {
            raft.Restart(id);
        }
        await raft.WakeAllAsync();
        Assert.All(raft.PeerIds, id => Assert.Equal(2, raft.StateMachines.Activations(id)));
        await raft.WaitForLeaderAsync();
        // The old entries commit again once the new leader commits one of its own term (Figure 8 rule).
        var after = await raft.StartOnLeaderAsync("after");
        Assert.Equal(4, after.Index);
        await raft.WaitAppliedAsync(4, "after");

        foreach (var id in raft.PeerIds)
        {
            var messages = raft.Machine(id).Messages;
            Assert.All(messages, m => Assert.True(m.CommandValid));
            Assert.Equal([1, 2, 3, 4], messages.Select(m => m.CommandIndex));
            Assert.Equal(["before-1", "before-2", "before-3", "after"], messages.Select(m => Encoding.UTF8.GetString(m.Command!)));
        }
        raft.AssertNoApplyErrors();
    }

    [Fact]
    public async Task ASnapshotFromTheStateMachineTrimsTheLogAndARestartedPeerGetsTheSnapshotFirst()
    {
        await using var raft = await RaftTestCluster.StartAsync(snapshotEvery: 10, configureRaft: o => o.EntriesPerSegment = 8);
        for (var i = 1; i <= 25; i++)
        {
            await raft.StartOnLeaderAsync($"cmd-{i}");
        }
        await raft.WaitAppliedAsync(25, "cmd-25");
        var (leader, _) = await raft.WaitForLeaderAsync();
        var sizes = new List<long>();
        foreach (var id in raft.PeerIds)
        {
            var status = await raft.Peer(id).GetStatus();
            Assert.Equal(20, status.SnapshotIndex);
            Assert.Equal(25, status.LastLogIndex);
            sizes.Add(await raft.Peer(id).GetPersistedSize());
        }
        output.WriteLine($"persisted Raft state after snapshotting at 20 of 25: {string.Join(", ", sizes)} bytes");
        Assert.All(sizes, size => Assert.InRange(size, 1, 2000));

        var follower = raft.PeerIds.First(id => id != leader);
        raft.Restart(follower);
        await raft.Peer(follower).Wake();
        await RaftTestCluster.WaitUntilAsync(() => Task.FromResult(raft.Machine(follower).LastApplied >= 25),
            TimeSpan.FromSeconds(5), $"{follower} to apply through 25 after its restart");

        var messages = raft.Machine(follower).Messages;
        Assert.True(messages[0].SnapshotValid);
        Assert.Equal(20, messages[0].SnapshotIndex);
        Assert.Equal([21L, 22, 23, 24, 25], messages.Skip(1).Select(m => m.CommandIndex));
        Assert.Equal("cmd-7", raft.Machine(follower).CommandAt(7));
        raft.AssertNoApplyErrors();
    }

    [Fact]
    public async Task ALaggingDisconnectedFollowerCatchesUpThroughInstallSnapshotAfterTheLeaderCompacted()
    {
        await using var raft = await RaftTestCluster.StartAsync(snapshotEvery: 10);
        var (leader, _) = await raft.WaitForLeaderAsync();
        var lagging = raft.PeerIds.First(id => id != leader);
        var others = raft.PeerIds.Where(id => id != lagging).ToArray();
        raft.Disconnect(lagging);

        for (var i = 1; i <= 30; i++)
        {
            await raft.StartOnLeaderAsync($"cmd-{i}", others);
        }
        await raft.WaitAppliedAsync(30, "cmd-30", others);
        // The state machine snapshots at 30 from inside ApplyAsync, just after it recorded 30 as applied.
        await RaftTestCluster.WaitUntilAsync(async () => (await raft.Peer(leader).GetStatus()).SnapshotIndex == 30,
            TimeSpan.FromSeconds(5), "the leader to compact through 30");
        Assert.Equal(0, raft.Machine(lagging).LastApplied);

        raft.Connect(lagging);
        await raft.StartOnLeaderAsync("cmd-31");
        await raft.WaitAppliedAsync(31, "cmd-31", timeout: TimeSpan.FromSeconds(10));

        var messages = raft.Machine(lagging).Messages;
        Assert.Contains(messages, m => m.SnapshotValid && m.SnapshotIndex >= 30);
        Assert.Equal("cmd-17", raft.Machine(lagging).CommandAt(17));
        raft.AssertNoApplyErrors();
    }

    [Fact]
    public async Task ASingleNodeGroupLeadsAndCommitsAlone()
    {
        await using var raft = await RaftTestCluster.StartAsync(peers: 1);
        var (leader, _) = await raft.WaitForLeaderAsync();
        Assert.Equal("kv/0", leader);
        Assert.Equal(1, await raft.OneAsync("alone"));
        Assert.Equal(2, await raft.OneAsync("still alone"));
    }

    [Fact]
    public async Task APeerOfAnUnconfiguredGroupFailsToActivateWithAClearError()
    {
        await using var raft = await RaftTestCluster.StartAsync(wake: false);

        var exception = await Assert.ThrowsAnyAsync<Exception>(() => raft.Peer("nosuchgroup/0").Wake());

        Assert.Contains("nosuchgroup/0", exception.Message);
        Assert.Contains("group 'nosuchgroup' is not configured", exception.Message);
        var notAMember = await Assert.ThrowsAnyAsync<Exception>(() => raft.Peer("kv/7").Wake());
        Assert.Contains("'7' is not a member of group 'kv'", notAMember.Message);
    }

    [Fact]
    public async Task ACommitNoticeDelayNotBelowTheHeartbeatIntervalFailsActivationNamingBoth()
    {
        await using var raft = await RaftTestCluster.StartAsync(wake: false,
            configureRaft: o => o.CommitNoticeDelay = o.HeartbeatInterval);

        var exception = await Assert.ThrowsAnyAsync<Exception>(() => raft.Peer("kv/0").Wake());

        Assert.Contains("CommitNoticeDelay (00:00:00.1000000) < HeartbeatInterval (00:00:00.1000000)", exception.Message);
    }

    [Fact]
    public async Task SnapshotBeyondTheCommitIndexIsAnArgumentException()
    {
        await using var raft = await RaftTestCluster.StartAsync();
        await raft.StartOnLeaderAsync("only");
        await raft.WaitAppliedAsync(1, "only");
        var (leader, _) = await raft.WaitForLeaderAsync();

        var exception = await Assert.ThrowsAnyAsync<ArgumentException>(() => raft.Peer(leader).Snapshot(100, [1, 2, 3]));

        Assert.Contains("commit index", exception.Message);
        Assert.Equal(0, (await raft.Peer(leader).GetStatus()).SnapshotIndex);
    }
}
