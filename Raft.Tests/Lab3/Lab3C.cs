using Raft.Tests.Simulation;
using Xunit;
using Xunit.Abstractions;

namespace Raft.Tests.Lab3;

/// <summary>6.5840 Lab 3C: persistence (spec §8), with the 2025 crash/restart semantics (restart reconnects all).</summary>
[Collection(Lab3Collection.Name)]
public class Lab3C : ClockedTests
{
    public Lab3C(ITestOutputHelper output)
        : this(output, TestClock.RealTime)
    {
    }

    protected Lab3C(ITestOutputHelper output, TestClock clock)
        : base(output, clock)
    {
    }

    /// <summary>The grain storage the peers persist to; a subclass runs the same tests on another provider.</summary>
    protected virtual LabStorage Storage => LabStorage.Memory;

    [Fact]
    public Task Persist13C() => RunAsync(async () =>
    {
        const int servers = 3;
        await using var ts = await RaftTestHarness.CreateAsync(Output, Clock, servers, reliable: true, "Test (3C): basic persistence", storage: Storage);

        await ts.OneAsync(11, servers, retry: true);

        await ts.CrashAllAsync();
        await ts.StartAllAsync();

        await ts.OneAsync(12, servers, retry: true);

        var leader1 = await ts.CheckOneLeaderAsync();
        await ts.CrashAsync(leader1);
        await ts.RestartAsync(leader1);

        await ts.OneAsync(13, servers, retry: true);

        var leader2 = await ts.CheckOneLeaderAsync();
        await ts.CrashAsync(leader2);

        await ts.OneAsync(14, servers - 1, retry: true);

        await ts.RestartAsync(leader2);

        await ts.WaitAsync(4, servers, -1); // wait for leader2 to join before killing i3

        var i3 = (await ts.CheckOneLeaderAsync() + 1) % servers;
        await ts.CrashAsync(i3);

        await ts.OneAsync(15, servers - 1, retry: true);

        await ts.RestartAsync(i3);

        await ts.OneAsync(16, servers, retry: true);
        ts.End();
    });

    [Fact]
    public Task Persist23C() => RunAsync(async () =>
    {
        const int servers = 5;
        await using var ts = await RaftTestHarness.CreateAsync(Output, Clock, servers, reliable: true, "Test (3C): more persistence", storage: Storage);

        var index = 1;
        for (var iters = 0; iters < 5; iters++)
        {
            await ts.OneAsync(10 + index, servers, retry: true);
            index++;

            var leader1 = await ts.CheckOneLeaderAsync();

            await ts.CrashAsync((leader1 + 1) % servers);
            await ts.CrashAsync((leader1 + 2) % servers);

            await ts.OneAsync(10 + index, servers - 2, retry: true);
            index++;

            await ts.CrashAsync((leader1 + 0) % servers);
            await ts.CrashAsync((leader1 + 3) % servers);
            await ts.CrashAsync((leader1 + 4) % servers);

            await ts.RestartAsync((leader1 + 1) % servers);
            await ts.RestartAsync((leader1 + 2) % servers);

            await ts.SleepAsync(RaftTestHarness.ElectionTimeout);

            await ts.RestartAsync((leader1 + 3) % servers);

            await ts.OneAsync(10 + index, servers - 2, retry: true);
            index++;

            await ts.RestartAsync((leader1 + 4) % servers);
            await ts.RestartAsync((leader1 + 0) % servers);
        }

        await ts.OneAsync(1000, servers, retry: true);
        ts.End();
    });

    [Fact]
    public Task Persist33C() => RunAsync(async () =>
    {
        const int servers = 3;
        await using var ts = await RaftTestHarness.CreateAsync(Output, Clock, servers, reliable: true, "Test (3C): partitioned leader and one follower crash, leader restarts", storage: Storage);

        await ts.OneAsync(101, 3, retry: true);

        var leader = await ts.CheckOneLeaderAsync();
        ts.Disconnect((leader + 2) % servers);

        await ts.OneAsync(102, 2, retry: true);

        await ts.CrashAsync((leader + 0) % servers);
        await ts.CrashAsync((leader + 1) % servers);
        ts.Connect((leader + 2) % servers);
        await ts.RestartAsync((leader + 0) % servers);

        await ts.OneAsync(103, 2, retry: true);

        await ts.RestartAsync((leader + 1) % servers);

        await ts.OneAsync(104, servers, retry: true);
        ts.End();
    });

    /// <summary>
    /// The scenarios of Figure 8 of the extended Raft paper. Each iteration asks a leader, if there is one, to insert a
    /// command, then crashes it quickly (often before it commits) or after a while (most likely after); if fewer than a
    /// majority is up, a random dead server may restart. A new leader may try to finish replicating older entries.
    /// </summary>
    [Fact]
    public Task Figure83C() => RunAsync(async () =>
    {
        const int servers = 5;
        await using var ts = await RaftTestHarness.CreateAsync(Output, Clock, servers, reliable: true, "Test (3C): Figure 8", storage: Storage);

        await ts.OneAsync(ts.RandInt(), 1, retry: true);

        var nup = servers;
        for (var iters = 0; iters < 1000; iters++)
        {
            var leader = -1;
            for (var i = 0; i < servers; i++)
            {
                if (ts.IsAlive(i))
                {
                    var result = await ts.StartAsync(i, ts.RandInt());
                    if (result.IsLeader)
                    {
                        leader = i;
                    }
                }
            }

            if (ts.RandInt(1000) < 100)
            {
                await ts.SleepAsync(ts.RandInt((int)RaftTestHarness.ElectionTimeout.TotalMilliseconds / 2));
            }
            else
            {
                await ts.SleepAsync(ts.RandInt(13));
            }

            if (leader != -1)
            {
                await ts.CrashAsync(leader);
                nup--;
            }

            if (nup < 3)
            {
                var s = ts.RandInt(servers);
                if (!ts.IsAlive(s))
                {
                    await ts.RestartAsync(s);
                    nup++;
                }
            }
        }

        for (var i = 0; i < servers; i++)
        {
            if (!ts.IsAlive(i))
            {
                await ts.RestartAsync(i);
            }
        }

        await ts.OneAsync(ts.RandInt(), servers, retry: true);
        ts.End();
    });

    [Fact]
    public Task UnreliableAgree3C() => RunAsync(async () =>
    {
        const int servers = 5;
        await using var ts = await RaftTestHarness.CreateAsync(Output, Clock, servers, reliable: false, "Test (3C): unreliable agreement", storage: Storage);

        var background = new List<Task>();
        for (var iters = 1; iters < 50; iters++)
        {
            for (var j = 0; j < 4; j++)
            {
                var cmd = (100 * iters) + j;
                background.Add(Clock.StartConcurrently(() => ts.OneAsync(cmd, 1, retry: true)));
            }
            await ts.OneAsync(iters, 1, retry: true);
        }

        ts.SetReliable(true);

        await Task.WhenAll(background);

        await ts.OneAsync(100, servers, retry: true);
        ts.End();
    });

    [Fact]
    public Task Figure8Unreliable3C() => RunAsync(async () =>
    {
        const int servers = 5;
        await using var ts = await RaftTestHarness.CreateAsync(Output, Clock, servers, reliable: false, "Test (3C): Figure 8 (unreliable)", storage: Storage);

        await ts.OneAsync(ts.RandInt(10000), 1, retry: true);

        var nup = servers;
        for (var iters = 0; iters < 1000; iters++)
        {
            if (iters == 200)
            {
                ts.SetLongReordering(true);
            }
            var leader = -1;
            for (var i = 0; i < servers; i++)
            {
                var result = await ts.StartAsync(i, ts.RandInt(10000));
                if (result.IsLeader && ts.IsConnected(i))
                {
                    leader = i;
                }
            }

            if (ts.RandInt(1000) < 100)
            {
                await ts.SleepAsync(ts.RandInt((int)RaftTestHarness.ElectionTimeout.TotalMilliseconds / 2));
            }
            else
            {
                await ts.SleepAsync(ts.RandInt(13));
            }

            if (leader != -1 && ts.RandInt(1000) < (int)RaftTestHarness.ElectionTimeout.TotalMilliseconds / 2)
            {
                ts.Disconnect(leader);
                nup--;
            }

            if (nup < 3)
            {
                var s = ts.RandInt(servers);
                if (!ts.IsConnected(s))
                {
                    ts.Connect(s);
                    nup++;
                }
            }
        }

        for (var i = 0; i < servers; i++)
        {
            if (!ts.IsConnected(i))
            {
                ts.Connect(i);
            }
        }

        await ts.OneAsync(ts.RandInt(10000), servers, retry: true);
        ts.End();
    });

    [Fact]
    public Task ReliableChurn3C() => InternalChurn(reliable: true);

    [Fact]
    public Task UnreliableChurn3C() => InternalChurn(reliable: false);

    private Task InternalChurn(bool reliable, [System.Runtime.CompilerServices.CallerMemberName] string name = "") => RunAsync(async () =>
    {
        const int servers = 5;
        await using var ts = await RaftTestHarness.CreateAsync(Output, Clock, servers, reliable,
            reliable ? "Test (3C): churn" : "Test (3C): unreliable churn", storage: Storage, name: name);

        var stop = 0;

        // concurrent clients: Start(x) on every live server; record x if it got committed at the index a leader gave.
        async Task<List<long>> Client(int me)
        {
            var values = new List<long>();
            while (Volatile.Read(ref stop) == 0)
            {
                var x = ts.RandInt();
                var index = -1L;
                var ok = false;
                for (var i = 0; i < servers; i++)
                {
                    // try them all, maybe one of them is a leader
                    var result = await ts.TryStartAsync(i, x);
                    if (result is { IsLeader: true })
                    {
                        ok = true;
                        index = result.Index;
                    }
                }
                if (ok)
                {
                    // maybe leader will commit our value, maybe not, but don't wait forever.
                    foreach (var to in new[] { 10, 20, 50, 100, 200 })
                    {
                        var (nd, cmd) = ts.NCommitted(index);
                        if (nd > 0)
                        {
                            if (cmd is long xx)
                            {
                                if (xx == x)
                                {
                                    values.Add(x);
                                }
                            }
                            else
                            {
                                RaftTestHarness.Fatal("wrong command type");
                            }
                            break;
                        }
                        await Task.Delay(TimeSpan.FromMilliseconds(to), Clock.Time);
                    }
                }
                else
                {
                    await Task.Delay(TimeSpan.FromMilliseconds(79 + (me * 17)), Clock.Time);
                }
            }
            return values;
        }

        const int ncli = 3;
        var clients = Enumerable.Range(0, ncli).Select(me => Clock.StartConcurrently(() => Client(me))).ToArray();

        for (var iters = 0; iters < 20; iters++)
        {
            if (ts.RandInt(1000) < 200)
            {
                ts.Disconnect(ts.RandInt(servers));
            }

            if (ts.RandInt(1000) < 500)
            {
                var i = ts.RandInt(servers);
                if (!ts.IsAlive(i))
                {
                    await ts.RestartAsync(i);
                }
                ts.Connect(i);
            }

            if (ts.RandInt(1000) < 200)
            {
                var i = ts.RandInt(servers);
                if (ts.IsAlive(i))
                {
                    await ts.CrashAsync(i);
                }
            }

            // Make crash/restart infrequent enough that the peers can often keep up, but not so infrequent that
            // everything has settled down from one change to the next.
            await ts.SleepAsync(RaftTestHarness.ElectionTimeout * 7 / 10);
        }

        await ts.SleepAsync(RaftTestHarness.ElectionTimeout);
        ts.SetReliable(true);
        for (var i = 0; i < servers; i++)
        {
            if (!ts.IsAlive(i))
            {
                await ts.RestartAsync(i);
            }
            ts.Connect(i);
        }

        Volatile.Write(ref stop, 1);

        var values = new List<long>();
        foreach (var client in clients)
        {
            List<long> vv;
            try
            {
                vv = await client;
            }
            catch (Exception exception)
            {
                RaftTestHarness.Fatal($"client failed: {exception}");
                throw;
            }
            values.AddRange(vv);
        }

        await ts.SleepAsync(RaftTestHarness.ElectionTimeout);

        var lastIndex = await ts.OneAsync(ts.RandInt(), servers, retry: true);

        var really = new HashSet<long>();
        for (long index = 1; index <= lastIndex; index++)
        {
            var v = await ts.WaitAsync(index, servers, -1);
            if (v.Value is long vi)
            {
                really.Add(vi);
            }
            else
            {
                RaftTestHarness.Fatal($"committed value {LabCommand.Show(v.Value)} is not an integer");
            }
        }

        foreach (var v1 in values)
        {
            if (!really.Contains(v1))
            {
                RaftTestHarness.Fatal($"didn't find a value ({v1}) a client saw committed");
            }
        }
        ts.End();
    });
}
