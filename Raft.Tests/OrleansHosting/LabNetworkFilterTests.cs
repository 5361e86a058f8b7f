using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Raft.Grains;
using Raft.Grains.Interfaces;
using Raft.TestingHost;
using Xunit;

namespace Raft.Tests.OrleansHosting;

/// <summary>
/// The labrpc network and crashes as Orleans call filters (<see cref="LabNetworkFilter"/>): Raft calls obey them, Orleans'
/// own traffic and the test's direct calls do not, and a crashed peer acts no more until it is restarted.
/// </summary>
[Collection(OrleansClusterCollection.Name)]
public sealed class LabNetworkFilterTests
{
    private static Task<LabTestCluster> DeployAsync() => LabTestCluster.DeployAsync(new LabTestClusterOptions
    {
        ConfigureSilo = silo => silo.Configure<RaftOptions>(o => o.Groups = new() { ["kv"] = ["0", "1", "2"] }),
    });

    [Fact]
    public async Task Raft_calls_cross_the_network_and_a_disconnected_peer_is_cut_off()
    {
        await using var cluster = await DeployAsync();
        var leader = await WaitForLeaderAsync(cluster);
        var before = cluster.Lab.ReceivedCount(GrainId.Create("raftpeer", "kv/1").ToString());
        await Conditions.WaitUntilAsync(async () => cluster.Lab.ReceivedCount(GrainId.Create("raftpeer", "kv/1").ToString()) > before,
            TimeSpan.FromSeconds(5), "heartbeats to reach kv/1 through the filter");

        // Cut the leader off: the others elect a new one among themselves, and the old one cannot commit.
        cluster.Lab.Disconnect(leader);
        var others = new[] { "kv/0", "kv/1", "kv/2" }.Where(p => p != leader).ToArray();
        var newLeader = await WaitForLeaderAsync(cluster, others);
        Assert.NotEqual(leader, newLeader);
        var stale = await cluster.GrainFactory.GetGrain<IRaftPeerGrain>(leader).GetStatus();
        Assert.True(stale.CommitIndex <= (await cluster.GrainFactory.GetGrain<IRaftPeerGrain>(newLeader).GetStatus()).CommitIndex);

        // The test's own calls are not Raft traffic: they reach the disconnected peer.
        Assert.Equal(leader, (await cluster.GrainFactory.GetGrain<IRaftPeerGrain>(leader).GetStatus()).Id);
    }

    [Fact]
    public async Task A_named_client_obeys_the_network()
    {
        await using var cluster = await DeployAsync();
        await WaitForLeaderAsync(cluster);
        cluster.Lab.Disconnect("client/c1");
        var transport = new Raft.Client.GrainKeyValueTransport(cluster.GrainFactory);
        using (LabNetworkFilter.AsClient("c1"))
        {
            var lost = await Assert.ThrowsAnyAsync<TimeoutException>(() =>
                transport.ExecuteAsync("kv/0", new KvRequest(0, 1, new KvRegisterSession("n")), TimeSpan.FromSeconds(5)));
            Assert.IsType<LabMessageLostException>(lost);
        }
    }

    [Fact]
    public async Task A_crashed_peer_gets_no_calls_until_restarted_and_comes_back_from_storage()
    {
        await using var cluster = await DeployAsync();
        var leader = await WaitForLeaderAsync(cluster);
        var start = await cluster.GrainFactory.GetGrain<IRaftPeerGrain>(leader).Start(Encoding.UTF8.GetBytes("x"));
        Assert.True(start.IsLeader);
        await Conditions.WaitUntilAsync(async () => (await cluster.GrainFactory.GetGrain<IRaftPeerGrain>("kv/1").GetStatus()).LastApplied >= start.Index,
            TimeSpan.FromSeconds(5), "kv/1 to apply the entry");

        var id = GrainId.Create("raftpeer", "kv/1");
        cluster.CrashGrain(id);
        Assert.True(cluster.IsDown(id));
        await Assert.ThrowsAsync<LabMessageLostException>(() => cluster.GrainFactory.GetGrain<IRaftPeerGrain>("kv/1").GetStatus());
        await Conditions.WaitUntilAsync(() => Task.FromResult(!cluster.Cluster.TryGetGrainContext(id, out _)),
            TimeSpan.FromSeconds(10), "the crashed activation to be gone");

        cluster.RestartGrain(id);
        await cluster.GrainFactory.GetGrain<IRaftPeerGrain>("kv/1").Wake();
        var restarted = await cluster.GrainFactory.GetGrain<IRaftPeerGrain>("kv/1").GetStatus();
        Assert.True(restarted.LastLogIndex >= start.Index, "the restarted peer reads its log back from storage");
    }

    [Fact]
    public async Task A_raft_rpc_sent_inside_a_silo_without_its_calling_grain_is_refused_and_fails_the_test()
    {
        var cluster = await DeployAsync();
        try
        {
            // What a peer whose continuation left its activation (ConfigureAwait(false)) would send: a call from inside
            // the silo with no grain as its source.
            var silo = cluster.Cluster.GetSiloServiceProvider(cluster.Cluster.Silos[0].SiloAddress).GetRequiredService<IGrainFactory>();
            var peer = silo.GetGrain<IRaftPeerGrain>("kv/1");
            var refused = await Assert.ThrowsAsync<InvalidOperationException>(() => peer.AppendEntries(new AppendEntriesRequest(1, "kv/0", 0, 0, [], 0)));
            Assert.Contains("AppendEntries to raftpeer/kv/1 was sent inside a silo without its calling grain", refused.Message);
            // Calls that are not peer-to-peer RPCs (a status page reading a peer) still pass, and the test client's own
            // RPCs too (the tests that drive a peer by hand).
            Assert.Equal("kv/1", (await peer.GetStatus()).Id);
            await cluster.GrainFactory.GetGrain<IRaftPeerGrain>("kv/1").AppendEntries(new AppendEntriesRequest(0, "kv/0", 0, 0, [], 0));
            Assert.Single(cluster.Network.ContextlessRaftCalls);
        }
        catch
        {
            await cluster.DisposeAsync().AsTask().ContinueWith(static _ => { }, TaskScheduler.Default); // the test failed already
            throw;
        }
        var failed = await Assert.ThrowsAsync<InvalidOperationException>(() => cluster.DisposeAsync().AsTask());
        Assert.Contains("1 Raft RPC(s) sent without a calling grain", failed.Message);
    }

    [Fact]
    public async Task A_disposed_cluster_leaves_no_peer_running()
    {
        var cluster = await DeployAsync();
        await WaitForLeaderAsync(cluster);
        await cluster.DisposeAsync();
        var after = cluster.Lab.TotalCount;
        await Task.Delay(TimeSpan.FromSeconds(1)); // ten heartbeat intervals: a surviving leader would send about 20 RPCs
        Assert.Equal(after, cluster.Lab.TotalCount);
    }

    internal static async Task<string> WaitForLeaderAsync(LabTestCluster cluster, IReadOnlyCollection<string>? among = null)
    {
        among ??= ["kv/0", "kv/1", "kv/2"];
        string? leader = null;
        await Conditions.WaitUntilAsync(async () =>
        {
            foreach (var peer in among)
            {
                if ((await cluster.GrainFactory.GetGrain<IRaftPeerGrain>(peer).GetState()).IsLeader)
                {
                    leader = peer;
                    return true;
                }
            }
            return false;
        }, TimeSpan.FromSeconds(10), "a leader");
        return leader!;
    }
}

[CollectionDefinition(Name)]
public sealed class OrleansClusterCollection
{
    public const string Name = "Orleans test clusters";
}
