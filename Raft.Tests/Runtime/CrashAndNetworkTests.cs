using Raft.Runtime;
using Raft.Runtime.Hosting;
using Raft.Runtime.Storage;
using Raft.TestingHost;
using Xunit;

namespace Raft.Tests.Runtime;

public sealed class CrashAndNetworkTests
{
    [Fact]
    public async Task StateSurvivesGrainCrashAndRestartOnMemoryStorage()
    {
        await using var cluster = await Clusters.DeployAsync();
        var grain = cluster.GrainFactory.GetGrain<IPersistentCounterGrain>("crash-me");
        for (var i = 0; i < 5; i++)
        {
            await grain.Increment();
        }
        var id = grain.GetGrainId();
        Assert.True(cluster.IsActive(id));
        cluster.CrashGrain(id);
        Assert.False(cluster.IsActive(id));
        Assert.Equal(5, await grain.Get());
        Assert.Equal(6, await grain.Increment());
    }

    [Fact]
    public async Task StateSurvivesSiloKillAndRestartOnSqlite()
    {
        var directory = Directory.CreateTempSubdirectory("raft-sqlite-");
        try
        {
            await using var cluster = await Clusters.DeployAsync(silos: 1, options =>
            {
                options.MemoryStorageNames.Clear();
                var inner = options.ConfigureSilo;
                options.ConfigureSilo = silo =>
                {
                    inner?.Invoke(silo);
                    silo.AddSqliteGrainStorage("Default", o => o.Path = Path.Combine(directory.FullName, "grains.db"));
                };
            });
            var grain = cluster.GrainFactory.GetGrain<IPersistentCounterGrain>("durable");
            for (var i = 0; i < 3; i++)
            {
                await grain.Increment();
            }
            await cluster.RestartSiloAsync("silo0");
            Assert.Equal(3, await cluster.GrainFactory.GetGrain<IPersistentCounterGrain>("durable").Get());
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task EtagConflictFailsTheWriteAndDeactivatesTheGrain()
    {
        await using var cluster = await Clusters.DeployAsync(silos: 1);
        var grain = cluster.GrainFactory.GetGrain<IPersistentCounterGrain>("conflict");
        await grain.Increment();
        var storage = cluster.GetMemoryStorage();
        var outside = new GrainState<CounterState>(new CounterState(0));
        await storage.ReadStateAsync("counter", grain.GetGrainId(), outside);
        outside.State = new CounterState(100);
        await storage.WriteStateAsync("counter", grain.GetGrainId(), outside);

        await Assert.ThrowsAnyAsync<Exception>(() => grain.Increment());
        // The conflicting activation was deactivated; the next one reads the record written outside.
        Assert.Equal(101, await grain.Increment());
    }

    [Fact]
    public async Task ACrashedGrainsRepliesNeverArriveAndItsCodeStops()
    {
        await using var cluster = await Clusters.DeployAsync();
        var relay = cluster.GrainFactory.GetGrain<IRelayGrain>("relay");
        var gate = "crash-" + Guid.NewGuid();
        var call = relay.RelayIncrementWhenReleased("victim", gate);
        var victim = new GrainId("persistentcounter", "victim");
        await TestGates.Arrived(gate).WaitAsync(TimeSpan.FromSeconds(10));
        cluster.CrashGrain(victim);
        TestGates.Release(gate);
        await Assert.ThrowsAnyAsync<Exception>(() => call);
        Assert.Equal(0, TestGates.PassedCount(gate));
        Assert.Equal(0, await cluster.GrainFactory.GetGrain<IPersistentCounterGrain>("victim").Get());
    }

    [Fact]
    public async Task ADisconnectedGrainCannotBeCalledAndReconnectingRestoresIt()
    {
        await using var cluster = await Clusters.DeployAsync();
        var relay = cluster.GrainFactory.GetGrain<IRelayGrain>("relay");
        await relay.RelayIncrement("target");
        var target = new GrainId("persistentcounter", "target");

        cluster.Network.Disconnect(target);
        await Assert.ThrowsAsync<MessageLostException>(() => relay.RelayIncrement("target"));
        cluster.Network.Connect(target);
        Assert.Equal(2, await relay.RelayIncrement("target"));
    }

    [Fact]
    public async Task APartitionBlocksCallsAcrossItOnly()
    {
        await using var cluster = await Clusters.DeployAsync();
        var relayA = cluster.GrainFactory.GetGrain<IRelayGrain>("a");
        var relayB = cluster.GrainFactory.GetGrain<IRelayGrain>("b");
        var targetA = new GrainId("persistentcounter", "ta");
        cluster.Network.Partition([relayA.GetGrainId(), targetA], [relayB.GetGrainId()]);

        Assert.Equal(1, await relayA.RelayIncrement("ta"));
        await Assert.ThrowsAsync<MessageLostException>(() => relayB.RelayIncrement("ta"));
        cluster.Network.Heal();
        Assert.Equal(2, await relayB.RelayIncrement("ta"));
    }

    [Fact]
    public async Task NamedClientsObeyPartitionsAndGrainsOnOneHostAlwaysReachEachOther()
    {
        await using var cluster = await Clusters.DeployAsync();
        // relay/x and persistentcounter/x share host "x".
        cluster.Network.HostOf = grain => grain.Key;
        var relay = cluster.GrainFactory.GetGrain<IRelayGrain>("x");
        cluster.Network.Partition([new GrainId("client", "c1")], [relay.GetGrainId()]);

        using (SimulatedNetwork.AsClient("c1"))
        {
            await Assert.ThrowsAsync<MessageLostException>(() => relay.Echo(1));
        }
        using (SimulatedNetwork.AsClient("c2"))
        {
            Assert.Equal(2, await relay.Echo(2));
        }
        cluster.Network.Disconnect(relay.GetGrainId());
        // The relay still reaches the counter on its own host.
        Assert.Equal(1, await relay.RelayIncrement("x"));
        using (SimulatedNetwork.AsClient("c2"))
        {
            await Assert.ThrowsAsync<MessageLostException>(() => relay.Echo(3));
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task AnUnreliableRequestStillOnItsWay_WhenTheTargetIsDisconnectedOrCrashed_IsLost_AndActivatesNothing(bool crash)
    {
        await using var cluster = await Clusters.DeployAsync(silos: 1, configure: o =>
        {
            o.Network.UnreliableMaxDelay = TimeSpan.FromSeconds(2);
            o.Network.RequestDropRate = 0;
            o.Network.ReplyDropRate = 0;
        });
        cluster.Network.Reliable = false;
        var relay = cluster.GrainFactory.GetGrain<IRelayGrain>("relay");
        await relay.Echo(0);
        var target = new GrainId("persistentcounter", "late");

        // Requests wait up to 2 s in the network; the target is cut off right after the relay sent one.
        var calls = Enumerable.Range(0, 8).Select(_ => relay.RelayIncrement("late")).ToArray();
        await Task.Delay(TimeSpan.FromMilliseconds(20));
        if (crash)
        {
            cluster.CrashGrain(target);
        }
        cluster.Network.Disconnect(target);

        foreach (var call in calls)
        {
            // A request that had arrived before the cut (within 20 ms) may have run; none arrives after it.
            try
            {
                await call;
            }
            catch (MessageLostException)
            {
            }
        }
        var arrived = cluster.Network.ReceivedCount(target);
        Assert.True(arrived < calls.Length, $"all {arrived} requests were delivered although the target was cut off while they were on their way");
        Assert.True(arrived > 0 || !cluster.IsActive(target), "a request that never arrived activated the target");
        cluster.Network.Connect(target);
        Assert.InRange(await cluster.GrainFactory.GetGrain<IPersistentCounterGrain>("late").Get(), 0, arrived);
    }

    [Fact]
    public async Task UnreliableNetworkDropsRequestsAndRepliesAtTheConfiguredRates()
    {
        await using var cluster = await Clusters.DeployAsync(configure: o => o.Network.Seed = 7);
        cluster.Network.Reliable = false;
        var relay = cluster.GrainFactory.GetGrain<IRelayGrain>("relay");
        const int calls = 2000;
        var outcomes = await Task.WhenAll(Enumerable.Range(0, calls).Select(async i =>
        {
            try
            {
                await relay.RelayIncrement("counted");
                return true;
            }
            catch (MessageLostException)
            {
                return false;
            }
        }));
        var succeeded = outcomes.Count(x => x);
        var handled = await cluster.GrainFactory.GetGrain<IPersistentCounterGrain>("counted").Get();
        var target = new GrainId("persistentcounter", "counted");

        // 10% of requests never reach the handler; of those that do, 10% of replies are lost.
        Assert.Equal(handled, cluster.Network.ReceivedCount(target));
        Assert.InRange(handled / (double)calls, 0.87, 0.93);
        Assert.InRange(succeeded / (double)handled, 0.87, 0.93);
        Assert.Equal(calls, cluster.Network.TotalCount);
    }
}
