using Raft.Tests.Simulation;
using Xunit;
using Xunit.Abstractions;

namespace Raft.Tests.Lab3;

/// <summary>6.5840 Lab 3A: leader election (spec §6).</summary>
[Collection(Lab3Collection.Name)]
public class Lab3A : ClockedTests
{
    public Lab3A(ITestOutputHelper output)
        : this(output, TestClock.RealTime)
    {
    }

    protected Lab3A(ITestOutputHelper output, TestClock clock)
        : base(output, clock)
    {
    }

    [Fact]
    public Task InitialElection3A() => RunAsync(async () =>
    {
        const int servers = 3;
        await using var ts = await RaftTestHarness.CreateAsync(Output, Clock, servers, reliable: true, "Test (3A): initial election");

        // is a leader elected?
        await ts.CheckOneLeaderAsync();

        // sleep a bit to avoid racing with followers learning of the election, then check that all peers agree on the term.
        await ts.SleepAsync(50);
        var term1 = await ts.CheckTermsAsync();
        if (term1 < 1)
        {
            RaftTestHarness.Fatal($"term is {term1}, but should be at least 1");
        }

        // does the leader+term stay the same if there is no network failure?
        await ts.SleepAsync(2 * RaftTestHarness.ElectionTimeout);
        var term2 = await ts.CheckTermsAsync();
        if (term1 != term2)
        {
            Output.WriteLine($"warning: term changed even though there were no failures ({term1} -> {term2})");
        }

        // there should still be a leader.
        await ts.CheckOneLeaderAsync();
        ts.End();
    });

    [Fact]
    public Task ReElection3A() => RunAsync(async () =>
    {
        const int servers = 3;
        await using var ts = await RaftTestHarness.CreateAsync(Output, Clock, servers, reliable: true, "Test (3A): election after network failure");

        var leader1 = await ts.CheckOneLeaderAsync();

        // if the leader disconnects, a new one should be elected.
        ts.Disconnect(leader1);
        await ts.CheckOneLeaderAsync();

        // if the old leader rejoins, that shouldn't disturb the new leader, and the old leader should switch to follower.
        ts.Connect(leader1);
        var leader2 = await ts.CheckOneLeaderAsync();

        // if there's no quorum, no new leader should be elected.
        ts.Disconnect(leader2);
        ts.Disconnect((leader2 + 1) % servers);
        await ts.SleepAsync(2 * RaftTestHarness.ElectionTimeout);

        // check that the one connected server does not think it is the leader.
        await ts.CheckNoLeaderAsync();

        // if a quorum arises, it should elect a leader.
        ts.Connect((leader2 + 1) % servers);
        await ts.CheckOneLeaderAsync();

        // re-join of last node shouldn't prevent leader from existing.
        ts.Connect(leader2);
        await ts.CheckOneLeaderAsync();
        ts.End();
    });

    [Fact]
    public Task ManyElections3A() => RunAsync(async () =>
    {
        const int servers = 7;
        await using var ts = await RaftTestHarness.CreateAsync(Output, Clock, servers, reliable: true, "Test (3A): multiple elections");

        await ts.CheckOneLeaderAsync();

        const int iters = 10;
        for (var ii = 1; ii < iters; ii++)
        {
            // disconnect three nodes (possibly the same one twice)
            var i1 = ts.RandInt(servers);
            var i2 = ts.RandInt(servers);
            var i3 = ts.RandInt(servers);
            ts.Disconnect(i1);
            ts.Disconnect(i2);
            ts.Disconnect(i3);

            // either the current leader should still be alive, or the remaining four should elect a new one.
            await ts.CheckOneLeaderAsync();

            ts.Connect(i1);
            ts.Connect(i2);
            ts.Connect(i3);
        }
        await ts.CheckOneLeaderAsync();
        ts.End();
    });
}
