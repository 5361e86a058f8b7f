using System.Diagnostics;
using Raft.Runtime;
using Raft.Runtime.Hosting;
using Raft.Tests.Runtime;
using Raft.TestingHost;
using Raft.Simulation;
using Xunit;
using Xunit.Abstractions;

namespace Raft.Tests.Simulation;

public sealed class RuntimeSimulationTests(ITestOutputHelper output)
{
    private static readonly string[] Gossipers = ["g0", "g1", "g2", "g3", "g4", "g5", "g6", "g7"];

    /// <summary>
    /// Eight reentrant grains on two silos gossip through an unreliable, reordering network every 100–240 ms and bump a
    /// non-reentrant persistent counter; one grain crashes, a silo stops gracefully and one is killed on the way. Returns the loop's trace hash,
    /// its event count and the final state as text.
    /// </summary>
    private static SimulationResult RunGossip(int seed)
    {
        var loop = new SimulationLoop(traceCapacity: 200_000);
        var clock = Stopwatch.StartNew();
        var state = loop.Run(async () =>
        {
            await using var cluster = await TestCluster.DeployAsync(new TestClusterOptions
            {
                SiloCount = 2,
                Simulation = loop,
                Network = new SimulatedNetworkOptions { Seed = seed },
                ResponseTimeout = TimeSpan.FromSeconds(1),
                ConfigureSilo = silo => silo.AddGrains(typeof(Clusters).Assembly),
            });
            cluster.Network.Reliable = false;
            cluster.Network.LongReordering = true;
            for (var i = 0; i < Gossipers.Length; i++)
            {
                await cluster.GrainFactory.GetGrain<IGossipGrain>(Gossipers[i]).Start(Gossipers, 100 + 20 * i, "counter");
            }
            await Task.Delay(TimeSpan.FromSeconds(10), loop);
            cluster.CrashGrain(cluster.GrainFactory.GetGrain<IGossipGrain>("g2").GetGrainId());
            await Task.Delay(TimeSpan.FromSeconds(10), loop);
            await cluster.StopSiloAsync("silo1"); // graceful: its activations deactivate
            await cluster.RestartSiloAsync("silo1");
            await cluster.RestartSiloAsync("silo0"); // a kill
            // The grains of the restarted silos and the crashed one lost their timers: start everyone again.
            for (var i = 0; i < Gossipers.Length; i++)
            {
                await cluster.GrainFactory.GetGrain<IGossipGrain>(Gossipers[i]).Start(Gossipers, 100 + 20 * i, "counter");
            }
            await Task.Delay(TimeSpan.FromSeconds(10), loop);
            var reports = new List<string>();
            foreach (var name in Gossipers)
            {
                reports.Add(await cluster.GrainFactory.GetGrain<IGossipGrain>(name).Report());
            }
            reports.Add($"counter={await cluster.GrainFactory.GetGrain<IPersistentCounterGrain>("counter").Get()}");
            reports.Add($"network calls={cluster.Network.TotalCount} bytes={cluster.Network.TotalBytes} at {loop.Elapsed}");
            return string.Join(Environment.NewLine, reports);
        }, TimeSpan.FromMinutes(5));
        clock.Stop();
        return new SimulationResult(loop.TraceHash, loop.EventCount, state, clock.Elapsed, loop.Elapsed, loop.RecentTrace);
    }

    [Fact]
    public void TheSameSeedReplaysTheSameRunAndADifferentSeedDoesNot()
    {
        var first = RunGossip(seed: 7);
        var second = RunGossip(seed: 7);
        var other = RunGossip(seed: 8);
        output.WriteLine(first.State);
        output.WriteLine($"seed 7: {first.Events} events, hash {first.Hash:x16}, wall {first.Wall.TotalMilliseconds:0} ms / {second.Wall.TotalMilliseconds:0} ms");
        output.WriteLine($"seed 8: {other.Events} events, hash {other.Hash:x16}, wall {other.Wall.TotalMilliseconds:0} ms");

        SimulationResult.AssertSameRun(first, second);
        Assert.NotEqual(first.Hash, other.Hash);
        Assert.NotEqual(first.State, other.State);
        // The scenario did exercise the unreliable network: some calls failed, most went through.
        Assert.Contains("MessageLostException", first.State);
        Assert.Contains("TimeoutException", first.State);
        Assert.DoesNotContain("counter=0", first.State);
    }

    [Fact]
    public void AGrainTimerWithATenMinutePeriodTicksSixTimesInOneSimulatedHour()
    {
        var loop = new SimulationLoop();
        var clock = Stopwatch.StartNew();
        var (ticks, overlaps) = loop.Run(async () =>
        {
            await using var cluster = await TestCluster.DeployAsync(new TestClusterOptions
            {
                SiloCount = 1,
                Simulation = loop,
                ConfigureSilo = silo => silo.AddGrains(typeof(Clusters).Assembly),
            });
            var grain = cluster.GrainFactory.GetGrain<ITimerGrain>("hourly");
            await grain.Start((int)TimeSpan.FromMinutes(10).TotalMilliseconds, interleave: false);
            // Just past the hour: the sixth tick, due at 60:00, has run.
            await Task.Delay(TimeSpan.FromHours(1) + TimeSpan.FromSeconds(1), loop);
            return await grain.Stats();
        }, TimeSpan.FromHours(2));
        clock.Stop();
        output.WriteLine($"{ticks} ticks in {loop.Elapsed} of virtual time, {clock.Elapsed.TotalMilliseconds:0} ms of wall time, {loop.EventCount} events");
        Assert.Equal(6, ticks);
        Assert.Equal(0, overlaps);
        Assert.InRange(loop.Elapsed, TimeSpan.FromHours(1), TimeSpan.FromHours(1) + TimeSpan.FromSeconds(2));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(1), $"took {clock.Elapsed} of wall time");
    }

    [Fact]
    public void VirtualTimeMovesOnlyWhenNothingIsReadyAndTimersFireInDueTimeOrder()
    {
        var loop = new SimulationLoop();
        var fired = new List<string>();
        loop.Run(async () =>
        {
            using var late = loop.CreateTimer(_ => fired.Add($"late@{loop.Elapsed.TotalMilliseconds}"), null, TimeSpan.FromMilliseconds(30), Timeout.InfiniteTimeSpan);
            using var early = loop.CreateTimer(_ => fired.Add($"early@{loop.Elapsed.TotalMilliseconds}"), null, TimeSpan.FromMilliseconds(10), Timeout.InfiniteTimeSpan);
            using var tie = loop.CreateTimer(_ => fired.Add($"tie@{loop.Elapsed.TotalMilliseconds}"), null, TimeSpan.FromMilliseconds(30), Timeout.InfiniteTimeSpan);
            using var periodic = loop.CreateTimer(_ => fired.Add($"periodic@{loop.Elapsed.TotalMilliseconds}"), null, TimeSpan.FromMilliseconds(15), TimeSpan.FromMilliseconds(15));
            await Task.Yield();
            Assert.Equal(TimeSpan.Zero, loop.Elapsed); // ready work runs before time moves
            await Task.Delay(TimeSpan.FromMilliseconds(31), loop);
        }, TimeSpan.FromSeconds(1));
        Assert.Equal(["early@10", "periodic@15", "late@30", "tie@30", "periodic@30"], fired);
        Assert.Equal(TimeSpan.FromMilliseconds(31), loop.Elapsed);
    }

    [Fact]
    public void AMainTaskWaitingForNothingFailsWithAClearStallError()
    {
        var loop = new SimulationLoop();
        var never = new TaskCompletionSource();
        var error = Assert.Throws<SimulationStalledException>(() => loop.Run(async () =>
        {
            await Task.Delay(TimeSpan.FromSeconds(3), loop);
            await never.Task;
        }, TimeSpan.FromMinutes(1)));
        output.WriteLine(error.Message);
        Assert.Contains("Simulation stalled at virtual time +3.000000s", error.Message);
        Assert.Contains("no work is ready and no timer is armed", error.Message);
        Assert.Contains("TaskCompletionSource nobody completes", error.Message);
    }

    [Fact]
    public void AStalledClusterNamesTheActivationThatIsStuck()
    {
        var loop = new SimulationLoop();
        var gate = "sim-stall-" + Guid.NewGuid().ToString("N");
        var error = Assert.Throws<SimulationStalledException>(() => loop.Run(async () =>
        {
            var cluster = await TestCluster.DeployAsync(new TestClusterOptions
            {
                SiloCount = 1,
                Simulation = loop,
                ResponseTimeout = TimeSpan.FromSeconds(5),
                ConfigureSilo = silo =>
                {
                    silo.AddGrains(typeof(Clusters).Assembly);
                    silo.Configure<SiloOptions>(o => o.CollectionQuantum = Timeout.InfiniteTimeSpan); // no idle collector ticking
                },
            });
            var call = cluster.GrainFactory.GetGrain<IPersistentCounterGrain>("stuck").IncrementWhenReleased(gate);
            await Assert.ThrowsAsync<TimeoutException>(() => call);
            await TestGates.Arrived(gate + "-never");
        }, TimeSpan.FromMinutes(1)));
        output.WriteLine(error.Message);
        Assert.Contains("Simulation stalled at virtual time +5.0", error.Message);
        Assert.Contains("activation of persistentcounter", error.Message, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("running [Request#", error.Message);
    }

    [Fact]
    public void RunningPastTheVirtualTimeLimitFails()
    {
        var loop = new SimulationLoop();
        var error = Assert.Throws<TimeoutException>(() => loop.Run(() => Task.Delay(TimeSpan.FromHours(2), loop), TimeSpan.FromHours(1)));
        Assert.Contains("ran out of virtual time", error.Message);
    }

    [Fact]
    public void WorkFromAnotherThreadIsReportedNotRaced()
    {
        var loop = new SimulationLoop();
        var error = Assert.Throws<SimulationNondeterminismException>(() => loop.Run(async () =>
        {
            var intruder = new Thread(() => loop.CreateTimer(_ => { }, null, TimeSpan.FromSeconds(1), Timeout.InfiniteTimeSpan));
            intruder.Start();
            intruder.Join();
            await Task.Delay(TimeSpan.FromSeconds(2), loop);
        }, TimeSpan.FromMinutes(1)));
        output.WriteLine(error.Message);
        Assert.Equal(1, loop.ForeignThreadCount);
        Assert.Contains("CreateTimer on thread", error.Message);
    }
}
