using Microsoft.Extensions.Logging.Abstractions;
using Raft.Client;
using Raft.Grains;
using Raft.Grains.Interfaces;
using Raft.Simulation;

namespace Raft.Tests.KeyValue;

/// <summary>The key-value servers as production drivers and key-value services on the simulator (no grain runtime).</summary>
internal sealed class SimulatedKvServers(SimulatedRaftCluster cluster) : IKvServers
{
    public static async Task<SimulatedKvServers> StartAsync(
        SimulationLoop loop, string group, IReadOnlyList<string> members, KeyValueOptions keyValue, bool reliable, int seed)
    {
        var network = new SimulatedNetworkOptions { Seed = seed, Latency = Simulation.SimulatedTestClock.MessageLatency };
        var cluster = new SimulatedRaftCluster(loop,
            SimulatedKeyValue.Options(loop, group, members, new RaftOptions(), keyValue, network, NullLoggerFactory.Instance,
                diskWriteLatency: Simulation.SimulatedTestClock.DiskWriteLatency));
        cluster.Network.Reliable = reliable;
        foreach (var peer in cluster.PeerIds)
        {
            await cluster.StartAsync(peer);
        }
        return new SimulatedKvServers(cluster);
    }

    public TimeProvider Time => cluster.Loop;

    public IKeyValueTransport Transport(string client) => new SimulatedKeyValueTransport(cluster, client);

    public string ServerHost(string server) => cluster.HostOf(PeerId(server));

    public string ClientHost(string client) => SimulatedRaftCluster.ClientEndpoint(client);

    public void Partition(params IReadOnlyCollection<string>[] hosts) => cluster.Network.Partition(hosts);

    public void Heal() => cluster.Network.Heal();

    public void SetConnected(string host, bool connected) => cluster.Network.SetConnected(host, connected);

    public bool Reliable
    {
        set => cluster.Network.Reliable = value;
    }

    public void Crash(string server) => cluster.Crash(PeerId(server));

    public Task RestartAsync(string server)
    {
        cluster.Crash(PeerId(server));
        return cluster.StartAsync(PeerId(server));
    }

    public Task<RaftState> GetState(string server) => cluster.CallAsync(PeerId(server), peer => peer.GetState());

    public Task<RaftStatus> GetStatus(string server) => cluster.CallAsync(PeerId(server), peer => peer.GetStatus());

    public Task<long> GetPersistedSize(string server) => cluster.CallAsync(PeerId(server), peer => peer.GetPersistedSize());

    public long SnapshotBytes(string server) =>
        cluster.Disk(PeerId(server)).Get<RaftSnapshotRecord>(RaftPeerStore.SnapshotName) is { } snapshot ? MessageSize.Of(snapshot) : 0;

    public long TotalRpcs => cluster.Network.TotalCount;

    public ValueTask DisposeAsync()
    {
        foreach (var peer in cluster.PeerIds)
        {
            cluster.Crash(peer);
        }
        return ValueTask.CompletedTask;
    }

    private string PeerId(string server) => $"{cluster.Options.Group}/{server}";
}
