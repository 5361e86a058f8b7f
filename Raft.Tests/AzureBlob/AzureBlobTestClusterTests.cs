using Raft.Persistence.AzureStorage;
using Raft.Runtime;
using Raft.Runtime.Hosting;
using Raft.Runtime.Storage;
using Raft.TestingHost;
using Raft.Tests.Runtime;
using Xunit;

namespace Raft.Tests.AzureBlob;

/// <summary>An in-process TestCluster whose only grain storage is Azure Blob on Azurite (no shared memory storage).</summary>
[Collection(AzuriteCollection.Name)]
public sealed class AzureBlobTestClusterTests(AzuriteFixture azurite) : AzuriteContainerTests(azurite, "cluster")
{
    private Task<TestCluster> DeployAsync(int silos) => Clusters.DeployAsync(silos, options =>
    {
        options.MemoryStorageNames.Clear();
        var inner = options.ConfigureSilo;
        options.ConfigureSilo = silo =>
        {
            inner?.Invoke(silo);
            silo.AddAzureBlobGrainStorage("Default", o => AzureTestStorage.Configure(o, Azurite, Container));
        };
    });

    /// <summary>What Azurite holds for a persistent counter, read with the silos' serializer by a provider of our own.</summary>
    private async Task<int?> StoredCounterAsync(string key)
    {
        using var reader = new AzureBlobGrainStorage(AzureTestStorage.Options(Azurite, Container), new WireGrainStorageSerializer());
        var state = new GrainState<CounterState>(new CounterState(0));
        await reader.ReadStateAsync("counter", new GrainId("persistentcounter", key), state);
        return state.RecordExists ? state.State.Value : null;
    }

    [Fact]
    public async Task GrainState_SurvivesCrashGrain_RestartGrain_AndASiloRestart()
    {
        await using var cluster = await DeployAsync(silos: 2);
        Assert.Throws<KeyNotFoundException>(() => cluster.GetMemoryStorage());
        var grain = cluster.GrainFactory.GetGrain<IPersistentCounterGrain>("azure-crash");
        var id = grain.GetGrainId();
        for (var i = 0; i < 5; i++)
        {
            await grain.Increment();
        }
        Assert.Equal(5, await StoredCounterAsync("azure-crash"));

        cluster.CrashGrain(id);
        Assert.False(cluster.IsActive(id));
        Assert.Equal(5, await grain.Get());
        Assert.Equal(6, await grain.Increment());

        cluster.RestartGrain(id);
        Assert.Equal(6, await grain.Get());
        Assert.Equal(7, await grain.Increment());

        await cluster.RestartSiloAsync(cluster.SiloOf(id));
        Assert.Equal(7, await cluster.GrainFactory.GetGrain<IPersistentCounterGrain>("azure-crash").Get());
        Assert.Equal(7, await StoredCounterAsync("azure-crash"));
    }

    [Fact]
    public async Task ACrashedGrainsLaterWriteNeverReachesAzure()
    {
        await using var cluster = await DeployAsync(silos: 2);
        var relay = cluster.GrainFactory.GetGrain<IRelayGrain>("relay");
        Assert.Equal(1, await relay.RelayIncrement("azure-victim"));
        var victim = new GrainId("persistentcounter", "azure-victim");
        var gate = "azure-crash-" + Guid.NewGuid();

        var call = relay.RelayIncrementWhenReleased("azure-victim", gate);
        await TestGates.Arrived(gate).WaitAsync(TimeSpan.FromSeconds(10));
        cluster.CrashGrain(victim);
        TestGates.Release(gate);

        await Assert.ThrowsAnyAsync<Exception>(() => call);
        Assert.Equal(0, TestGates.PassedCount(gate));
        Assert.Equal(1, await StoredCounterAsync("azure-victim"));
        Assert.Equal(1, await cluster.GrainFactory.GetGrain<IPersistentCounterGrain>("azure-victim").Get());
    }
}
