using Microsoft.Extensions.DependencyInjection;
using Raft.Client;
using Raft.Grains;
using Raft.Grains.Interfaces;
using Raft.Runtime;
using Raft.TestingHost;
using Raft.TestingHost.Linearizability;
using Raft.Tests.Simulation;

namespace Raft.Tests.KeyValue;

/// <summary>
/// The key-value service on an in-process cluster, shaped like the course's kvraft tester: N servers (a Raft
/// peer and its key-value grain share a host on the simulated network), clients that talk to them through
/// the network as named clients, crash / restart of servers, partitions, and a recorded history.
/// </summary>
internal sealed class KvTestCluster : IAsyncDisposable
{
    public const string Group = "kv";

    private KvTestCluster(TestCluster cluster, string[] servers)
    {
        Cluster = cluster;
        Servers = servers;
        History = new(VersionedKvOutput.Unknown, cluster.Time);
    }

    public TestCluster Cluster { get; }

    /// <summary>Server (peer) ids: "0", "1", ….</summary>
    public IReadOnlyList<string> Servers { get; }

    /// <summary>
    /// The operations the clients ran, with every value and version the service answered, timestamped by the
    /// cluster's clock (virtual time in simulation); checked with <see cref="VersionedKvModel"/>.
    /// </summary>
    public HistoryRecorder<VersionedKvInput, VersionedKvOutput> History { get; }

    /// <summary>The cluster's clock: the system's, or the simulation loop's virtual time.</summary>
    public TimeProvider Time => Cluster.Time;

    /// <summary>Deploys the servers on <paramref name="clock"/> (real time or simulation) with a network seeded by <paramref name="seed"/>.</summary>
    public static async Task<KvTestCluster> StartAsync(TestClock clock, int servers, long maxRaftStateBytes = -1, bool reliable = true, int seed = 1)
    {
        var members = Enumerable.Range(0, servers).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToList();
        var options = new TestClusterOptions
        {
            SiloCount = 1,
            UseSimulatedNetwork = true,
            Network = new SimulatedNetworkOptions { Seed = seed },
            ConfigureSilo = silo =>
            {
                silo.AddRaftKeyValueService();
                silo.Services.Configure<RaftOptions>(o => o.Groups = new Dictionary<string, List<string>> { [Group] = members });
                silo.Services.Configure<KeyValueOptions>(o =>
                {
                    o.MaxRaftStateBytes = maxRaftStateBytes;
                    o.CommitTimeout = TimeSpan.FromSeconds(1);
                });
            },
        };
        clock.Configure(options);
        var cluster = await TestCluster.DeployAsync(options);
        // A server is its Raft peer plus its key-value grain: one host on the simulated network.
        cluster.Network.HostOf = grain => grain.Type is "raftpeer" or "keyvalue" ? "server/" + grain.Key : grain.ToString();
        cluster.Network.Reliable = reliable;
        return new KvTestCluster(cluster, members.ToArray());
    }

    public GrainId PeerId(string server) => new("raftpeer", $"{Group}/{server}");

    public static GrainId ClientId(string client) => new("client", client);

    /// <summary>A client whose calls go through the simulated network as <paramref name="name"/>.</summary>
    public TestKvClient NewClient(string name, int clientNumber) => new(this, name, clientNumber);

    public void CrashServer(string server) => Cluster.CrashGrain(PeerId(server));

    public async Task RestartServerAsync(string server)
    {
        Cluster.RestartGrain(PeerId(server));
        await Cluster.GrainFactory.GetGrain<IRaftPeerGrain>($"{Group}/{server}").Wake();
    }

    public async Task<long> MaxPersistedSizeAsync()
    {
        var sizes = await Task.WhenAll(Servers.Select(s => Cluster.GrainFactory.GetGrain<IRaftPeerGrain>($"{Group}/{s}").GetPersistedSize()));
        return sizes.Max();
    }

    /// <summary>The largest stored snapshot record of any server, in bytes (envelope included).</summary>
    public Task<long> MaxSnapshotSizeAsync() => Task.FromResult(
        Servers.Max(s => (long)Cluster.GetMemoryStorage().GetRecordSize("raft-snapshot", PeerId(s))));

    public ValueTask DisposeAsync() => Cluster.DisposeAsync();
}

/// <summary>A key-value client that records every operation, and what the service answered, into the cluster's history.</summary>
internal sealed class TestKvClient
{
    private readonly KvTestCluster cluster;
    private readonly KeyValueClient client;
    private readonly int number;

    public TestKvClient(KvTestCluster cluster, string name, int number)
    {
        this.cluster = cluster;
        this.number = number;
        Name = name;
        client = new KeyValueClient(cluster.Cluster.GrainFactory, new KeyValueClientOptions
        {
            Group = KvTestCluster.Group,
            Peers = cluster.Servers.ToList(),
            OperationDeadline = TimeSpan.FromSeconds(30),
            AttemptTimeout = TimeSpan.FromSeconds(1),
        }, cluster.Time);
    }

    public string Name { get; }

    /// <returns>The value read, "" for a missing key.</returns>
    public async Task<string> GetAsync(string key) => (await Record(VersionedKvInput.Get(key))).Value;

    /// <returns>The key's new version.</returns>
    public async Task<long> PutAsync(string key, string value) => (long)(await Record(VersionedKvInput.Put(key, value))).Version;

    /// <returns>The key's new value and version.</returns>
    public async Task<(string Value, long Version)> AppendAsync(string key, string value)
    {
        var output = await Record(VersionedKvInput.Append(key, value));
        return (output.Value, (long)output.Version);
    }

    private async Task<VersionedKvOutput> Record(VersionedKvInput input)
    {
        var op = cluster.History.Begin(number, input);
        try
        {
            KvResponse response;
            using (SimulatedNetwork.AsClient(Name))
            {
                response = await client.ExecuteAsync(KeyValueHistory.ToOperation(input));
            }
            var output = KeyValueHistory.ToOutput(input, response);
            cluster.History.End(op, output);
            return output;
        }
        catch
        {
            cluster.History.EndUnknown(op);
            throw;
        }
    }
}
