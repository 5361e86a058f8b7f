using Raft.Grains;
using Raft.Grains.Interfaces;
using Raft.TestingHost;
using Xunit;

namespace Raft.Tests.OrleansHosting;

/// <summary>
/// <see cref="PeerPlacement"/>: a pinned peer and its key-value grain live on the silo RaftOptions.PeerSilos names, and a
/// peer pinned to a silo that is not in the cluster is refused at once instead of being started where its data is not.
/// </summary>
[Collection(OrleansClusterCollection.Name)]
public sealed class PeerPlacementTests
{
    [Fact]
    public async Task Pinned_peers_live_on_their_silos_and_a_peer_of_a_missing_silo_is_refused()
    {
        await using var cluster = await LabTestCluster.DeployAsync(new LabTestClusterOptions
        {
            SiloCount = 2,
            ConfigureSilo = silo => silo.Configure<RaftOptions>(o =>
            {
                o.Groups = new() { ["kv"] = ["0", "1", "2"] };
                o.PeerSilos = new() { ["kv/0"] = "Silo_0", ["kv/1"] = "Silo_1", ["kv/2"] = "Silo_7" };
            }),
        });
        var silos = cluster.Cluster.Silos.ToDictionary(s => s.Name, s => s.SiloAddress);

        foreach (var (peer, silo) in new[] { ("kv/0", "Silo_0"), ("kv/1", "Silo_1") })
        {
            await cluster.GrainFactory.GetGrain<IRaftPeerGrain>(peer).Wake();
            await cluster.GrainFactory.GetGrain<IKeyValueGrain>(peer).Execute(new KvRequest(0, 1, new KvGet("k")));
            foreach (var type in new[] { "raftpeer", "keyvalue" })
            {
                Assert.True(cluster.Cluster.TryGetGrainContext(GrainId.Create(type, peer), out var context), $"{type}/{peer} is active");
                Assert.Equal(silos[silo], context.Address.SiloAddress);
            }
        }

        var refused = await Assert.ThrowsAsync<SiloUnavailableException>(() => cluster.GrainFactory.GetGrain<IRaftPeerGrain>("kv/2").Wake());
        Assert.Contains("Silo_7", refused.Message, StringComparison.Ordinal);
        Assert.False(cluster.Cluster.TryGetGrainContext(GrainId.Create("raftpeer", "kv/2"), out _));
    }
}
