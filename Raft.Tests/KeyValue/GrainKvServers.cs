using Microsoft.Extensions.DependencyInjection;
using Raft.Client;
using Raft.Grains;
using Raft.Grains.Interfaces;
using Raft.Runtime;
using Raft.Simulation;
using Raft.TestingHost;

namespace Raft.Tests.KeyValue;

/// <summary>The key-value servers as grains on a <see cref="TestCluster"/> (real time), on its simulated network.</summary>
internal sealed class GrainKvServers(TestCluster cluster, string group) : IKvServers
{
    public static async Task<GrainKvServers> DeployAsync(
        string group, IReadOnlyList<string> members, KeyValueOptions keyValue, bool reliable, int seed)
    {
        var options = new TestClusterOptions
        {
            SiloCount = 1,
            UseSimulatedNetwork = true,
            Network = new SimulatedNetworkOptions { Seed = seed },
            ConfigureSilo = silo =>
            {
                silo.AddRaftKeyValueService();
                silo.Services.Configure<RaftOptions>(o => o.Groups = new Dictionary<string, List<string>> { [group] = members.ToList() });
                silo.Services.Configure<KeyValueOptions>(o =>
                {
                    o.MaxRaftStateBytes = keyValue.MaxRaftStateBytes;
                    o.CommitTimeout = keyValue.CommitTimeout;
                });
            },
        };
        var cluster = await TestCluster.DeployAsync(options);
        // A server is its Raft peer plus its key-value grain: one host on the simulated network.
        cluster.Network.HostOf = grain => grain.Type is "raftpeer" or "keyvalue" ? "server/" + grain.Key : grain.ToString();
        cluster.Network.Reliable = reliable;
        return new GrainKvServers(cluster, group);
    }

    public TimeProvider Time => cluster.Time;

    public IKeyValueTransport Transport(string client) => new ClientTransport(new GrainKeyValueTransport(cluster.GrainFactory), client);

    public string ServerHost(string server) => cluster.Network.HostOf(PeerId(server));

    public string ClientHost(string client) => cluster.Network.HostOf(new GrainId("client", client));

    public void Partition(params IReadOnlyCollection<string>[] hosts) => cluster.Network.Lab.Partition(hosts);

    public void Heal() => cluster.Network.Heal();

    public void SetConnected(string host, bool connected)
    {
        if (connected)
        {
            cluster.Network.Lab.Connect(host);
        }
        else
        {
            cluster.Network.Lab.Disconnect(host);
        }
    }

    public bool Reliable
    {
        set => cluster.Network.Reliable = value;
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

    public long SnapshotBytes(string server) => cluster.GetMemoryStorage().GetRecordSize(RaftPeerStore.SnapshotName, PeerId(server));

    public long TotalRpcs => cluster.Network.TotalCount;

    public ValueTask DisposeAsync() => cluster.DisposeAsync();

    private GrainId PeerId(string server) => new("raftpeer", $"{group}/{server}");

    private IRaftPeerGrain Peer(string server) => cluster.GrainFactory.GetGrain<IRaftPeerGrain>($"{group}/{server}");

    /// <summary>Grain calls made as the named client of the simulated network.</summary>
    private sealed class ClientTransport(GrainKeyValueTransport grains, string client) : IKeyValueTransport
    {
        public Task<KvResponse> ExecuteAsync(string peerId, KvRequest request, TimeSpan timeout)
        {
            using (SimulatedNetwork.AsClient(client))
            {
                return grains.ExecuteAsync(peerId, request, timeout);
            }
        }

        public bool IsTransportFailure(Exception exception) => grains.IsTransportFailure(exception);
    }
}
