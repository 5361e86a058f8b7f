using Raft.Client;
using Raft.Grains;
using Raft.Grains.Interfaces;
using Raft.Grains.KeyValue;
using Raft.Simulation;
using Raft.TestingHost;

namespace Raft.Tests.KeyValue;

/// <summary>The key-value servers as grains on an Orleans <see cref="LabTestCluster"/> (real time), on its lab network.</summary>
internal sealed class GrainKvServers(LabTestCluster cluster, string group) : IKvServers
{
    public static async Task<GrainKvServers> DeployAsync(
        string group, IReadOnlyList<string> members, KeyValueOptions keyValue, bool reliable, int seed)
    {
        var options = new LabTestClusterOptions
        {
            Network = new SimulatedNetworkOptions { Seed = seed },
            ConfigureSilo = silo =>
            {
                silo.Configure<RaftOptions>(o => o.Groups = new Dictionary<string, List<string>> { [group] = members.ToList() });
                silo.Configure<KeyValueOptions>(o =>
                {
                    o.MaxRaftStateBytes = keyValue.MaxRaftStateBytes;
                    o.CommitTimeout = keyValue.CommitTimeout;
                });
            },
        };
        var cluster = await LabTestCluster.DeployAsync(options);
        cluster.Lab.Reliable = reliable;
        return new GrainKvServers(cluster, group);
    }

    public TimeProvider Time => TimeProvider.System;

    public IKeyValueTransport Transport(string client) => new ClientTransport(new GrainKeyValueTransport(cluster.GrainFactory), client);

    // A server is its Raft peer plus its key-value grain: one host of the lab network, named by their key.
    public string ServerHost(string server) => $"{group}/{server}";

    public string ClientHost(string client) => $"client/{client}";

    public void Partition(params IReadOnlyCollection<string>[] hosts) => cluster.Lab.Partition(hosts);

    public void Heal() => cluster.Lab.Heal();

    public void SetConnected(string host, bool connected) => cluster.Lab.SetConnected(host, connected);

    public bool Reliable
    {
        set => cluster.Lab.Reliable = value;
    }

    public void Crash(string server) => cluster.CrashGrain(PeerId(server));

    public async Task RestartAsync(string server)
    {
        cluster.RestartGrain(PeerId(server));
        await Peer(server).Wake();
    }

    public Task<RaftState> GetState(string server) => Peer(server).GetState();

    public Task<RaftStatus> GetStatus(string server) => Peer(server).GetStatus();

    public Task<long> GetPersistedSize(string server) => Peer(server).GetPersistedSize();

    public long SnapshotBytes(string server) => cluster.MemoryStorage!.GetRecordSize(RaftPeerStore.SnapshotName, PeerId(server));

    public long TotalRpcs => cluster.Lab.TotalCount;

    public ValueTask DisposeAsync() => cluster.DisposeAsync();

    private static GrainId PeerGrainId(string key) => GrainId.Create("raftpeer", key);

    private GrainId PeerId(string server) => PeerGrainId($"{group}/{server}");

    private IRaftPeerGrain Peer(string server) => cluster.GrainFactory.GetGrain<IRaftPeerGrain>($"{group}/{server}");

    /// <summary>Grain calls made as the named client of the lab network.</summary>
    private sealed class ClientTransport(GrainKeyValueTransport grains, string client) : IKeyValueTransport
    {
        public async Task<KvResponse> ExecuteAsync(string peerId, KvRequest request, TimeSpan timeout)
        {
            using (LabNetworkFilter.AsClient(client))
            {
                return await grains.ExecuteAsync(peerId, request, timeout);
            }
        }

        public bool IsTransportFailure(Exception exception) => grains.IsTransportFailure(exception);
    }
}
