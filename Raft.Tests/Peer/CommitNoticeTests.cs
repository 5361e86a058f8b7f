using Raft.Grains;
using Raft.Tests.Lab3;
using Raft.Tests.Simulation;
using Xunit;
using Xunit.Abstractions;

namespace Raft.Tests.Peer;

/// <summary>
/// How followers learn a new commit index between heartbeats: a leader tells them after
/// <see cref="RaftOptions.CommitNoticeDelay"/> unless an append carried it first. In simulation, so the spacing of the
/// proposals and the network's round trips are exact.
/// </summary>
public sealed class CommitNoticeTests(ITestOutputHelper output) : ClockedTests(output, new SimulatedTestClock(seed: 1))
{
    private const int Servers = 3;

    /// <summary>
    /// Count3B's agreement with each Start a little after the previous one committed (what a fast machine does in real
    /// time; seen in CI as 43 RPCs). One empty append per commit per follower would make 4 RPCs per entry, over the
    /// course's bound of (10 + 1 + 3) * 3 = 42 for 12 entries; the next append carries the commit index instead.
    /// </summary>
    [Fact]
    public Task ProposalsSpacedByARoundTripStayWithinCount3BsBound() => RunAsync(async () =>
    {
        await using var ts = await RaftTestHarness.CreateAsync(Output, Clock, Servers, reliable: true, "commit notices: spaced proposals");
        var leader = await ts.CheckOneLeaderAsync();
        var before = Rpcs(ts);

        long first = 0;
        long term = 0;
        const int commands = 12;
        for (var i = 0; i < commands; i++)
        {
            var result = await ts.StartAsync(leader, 1000 + i);
            Assert.True(result.IsLeader);
            (first, term) = i == 0 ? (result.Index, result.Term) : (first, term);
            await ts.SleepAsync(1); // the simulated network answers at once: the entry commits before the next Start
        }
        for (var i = 0; i < commands; i++)
        {
            var outcome = await ts.WaitAsync(first + i, Servers, term);
            Assert.False(outcome.Moved);
            Assert.Equal(1000L + i, outcome.Value);
        }

        var rpcs = Rpcs(ts) - before;
        Output.WriteLine($"RPCs for {commands} spaced agreements: {rpcs}");
        Assert.InRange(rpcs, commands * (Servers - 1), (10 + 1 + 3) * 3);
        ts.End();
    });

    /// <summary>
    /// The other half: with nothing else to send, followers apply a committed entry after the notice delay, not at the
    /// next heartbeat (up to 100 ms later). Several proposals at different phases of the heartbeat.
    /// </summary>
    [Fact]
    public Task AnIdleLeaderTellsFollowersOfACommitBeforeTheNextHeartbeat() => RunAsync(async () =>
    {
        await using var ts = await RaftTestHarness.CreateAsync(Output, Clock, Servers, reliable: true, "commit notices: idle leader");
        var leader = await ts.CheckOneLeaderAsync();
        var bound = new RaftOptions().CommitNoticeDelay + TimeSpan.FromMilliseconds(2);

        for (var i = 0; i < 5; i++)
        {
            await ts.SleepAsync(37);
            var started = ts.Time.GetTimestamp();
            var result = await ts.StartAsync(leader, 2000 + i);
            Assert.True(result.IsLeader);
            while (ts.NCommitted(result.Index).Count < Servers)
            {
                Assert.True(ts.Time.GetElapsedTime(started) <= bound,
                    $"entry {result.Index} not applied on every peer within {bound.TotalMilliseconds} ms");
                await ts.SleepAsync(1);
            }
        }
        ts.End();
    });

    private static long Rpcs(RaftTestHarness ts)
    {
        long total = 0;
        for (var j = 0; j < Servers; j++)
        {
            total += ts.RpcCount(j);
        }
        return total;
    }
}
