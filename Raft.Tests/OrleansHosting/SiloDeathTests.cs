using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Runtime.Diagnostics;
using Orleans.TestingHost;
using Raft.Client;
using Raft.Grains;
using Raft.Grains.Interfaces;
using Raft.TestingHost;
using Xunit;

namespace Raft.Tests.OrleansHosting;

/// <summary>
/// Three silos with Orleans' production grain directory, peer kv/i and its key-value grain pinned to Silo_i (so on
/// <see cref="PeerGrainDirectory"/>): the death
/// of the leader's silo deactivates no Raft grain on the other two (Orleans' default directory deactivated those whose
/// registration the dead silo held), and the group elects, commits and answers without it.
/// </summary>
[Collection(OrleansClusterCollection.Name)]
public sealed class SiloDeathTests
{
    private static readonly string[] Peers = ["kv/0", "kv/1", "kv/2"];
    private static readonly string[] RaftGrainTypes = ["raftpeer", "keyvalue"];

    [Fact]
    public async Task Killing_the_leaders_silo_deactivates_no_Raft_grain_on_the_others_and_the_group_keeps_serving()
    {
        await using var cluster = await LabTestCluster.DeployAsync(new LabTestClusterOptions
        {
            SiloCount = 3,
            UseTestClusterGrainDirectory = false,
            ConfigureSilo = silo => silo.Configure<RaftOptions>(o => o.PeerSilos = Peers.ToDictionary(p => p, p => $"Silo_{p[^1]}")),
        });
        var kv = new KeyValueClient(cluster.GrainFactory, new KeyValueClientOptions { OperationDeadline = TimeSpan.FromSeconds(30) });
        await kv.PutAsync("k", "before");
        foreach (var peer in Peers)
        {
            // Every key-value grain active, not only the leader's: each has a registration Orleans' default directory could lose.
            await cluster.GrainFactory.GetGrain<IKeyValueGrain>(peer).Execute(new KvRequest(0, 1, new KvGet("k")));
        }
        var leader = await LabNetworkFilterTests.WaitForLeaderAsync(cluster);
        var victim = cluster.Cluster.Silos.Single(s => s.Name == $"Silo_{leader[^1]}");
        var survivors = cluster.Cluster.Silos.Where(s => s != victim).Select(s => s.SiloAddress).ToHashSet();
        var before = RaftActivations(cluster.Cluster, survivors);
        Assert.Equal(4, before.Count);

        var deactivations = new ConcurrentQueue<string>();
        using var recording = GrainLifecycleEvents.AllEvents.Subscribe(new DeactivationRecorder(deactivating =>
        {
            var grain = deactivating.GrainContext;
            if (grain.Address.SiloAddress is { } silo && survivors.Contains(silo) && RaftGrainTypes.Contains(grain.GrainId.Type.ToString()))
            {
                deactivations.Enqueue($"{grain.GrainId} on {grain.Address.SiloAddress}: {deactivating.Reason}");
            }
        }));
        await cluster.Cluster.KillSiloAsync(victim);
        await Conditions.WaitUntilAsync(
            () => Task.FromResult(survivors.All(silo => MembershipOf(cluster.Cluster, silo).GetSiloStatus(victim.SiloAddress) == SiloStatus.Dead)),
            TimeSpan.FromSeconds(30), $"both survivors to see {victim.Name} dead");

        await kv.PutAsync("k", "after");
        Assert.Equal("after", (await kv.GetAsync("k")).Value);

        Assert.Empty(deactivations);
        Assert.Equal(before, RaftActivations(cluster.Cluster, survivors));
    }

    private static ClusterMembershipSnapshot MembershipOf(InProcessTestCluster cluster, SiloAddress silo) =>
        cluster.GetSiloServiceProvider(silo).GetRequiredService<IClusterMembershipService>().CurrentSnapshot;

    /// <summary>The activation of each Raft grain active on one of <paramref name="silos"/>.</summary>
    private static Dictionary<GrainId, ActivationId> RaftActivations(InProcessTestCluster cluster, HashSet<SiloAddress> silos)
    {
        var activations = new Dictionary<GrainId, ActivationId>();
        foreach (var grain in Peers.SelectMany(peer => RaftGrainTypes.Select(type => GrainId.Create(type, peer))))
        {
            if (cluster.TryGetGrainContext(grain, out var context) && context.Address.SiloAddress is { } silo && silos.Contains(silo))
            {
                activations[grain] = context.ActivationId;
            }
        }
        return activations;
    }

    private sealed class DeactivationRecorder(Action<GrainLifecycleEvents.Deactivating> record) : IObserver<GrainLifecycleEvents.LifecycleEvent>
    {
        public void OnNext(GrainLifecycleEvents.LifecycleEvent value)
        {
            if (value is GrainLifecycleEvents.Deactivating deactivating)
            {
                record(deactivating);
            }
        }

        public void OnCompleted()
        {
        }

        public void OnError(Exception error)
        {
        }
    }
}
