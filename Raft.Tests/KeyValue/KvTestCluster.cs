using Raft.Client;
using Raft.Grains;
using Raft.Grains.Interfaces;
using Raft.Simulation;
using Raft.Simulation.Linearizability;
using Raft.Tests.Simulation;

namespace Raft.Tests.KeyValue;

/// <summary>
/// The key-value service shaped like the course's kvraft tester: N servers (a Raft peer and its key-value front on one
/// host of the labrpc network), clients that talk to them through the network as named clients, crash / restart of
/// servers, partitions, and a recorded history. In real time the servers are grains on a test cluster; in simulation
/// they are the production drivers and key-value services on the simulator (<see cref="IKvServers"/>).
/// </summary>
internal sealed class KvTestCluster : IAsyncDisposable
{
    public const string Group = "kv";

    private KvTestCluster(IKvServers backend, string[] servers)
    {
        Backend = backend;
        Servers = servers;
        History = new(VersionedKvOutput.Unknown, backend.Time);
    }

    /// <summary>The servers' host: network, crashes, peer state.</summary>
    public IKvServers Backend { get; }

    /// <summary>Server (peer) ids: "0", "1", ….</summary>
    public IReadOnlyList<string> Servers { get; }

    /// <summary>
    /// The operations the clients ran, with every value and version the service answered, timestamped by the
    /// cluster's clock (virtual time in simulation); checked with <see cref="VersionedKvModel"/>.
    /// </summary>
    public HistoryRecorder<VersionedKvInput, VersionedKvOutput> History { get; }

    /// <summary>The cluster's clock: the system's, or the simulation loop's virtual time.</summary>
    public TimeProvider Time => Backend.Time;

    /// <summary>Starts the servers on <paramref name="clock"/> (real time or simulation) with a network seeded by <paramref name="seed"/>.</summary>
    public static async Task<KvTestCluster> StartAsync(TestClock clock, int servers, long maxRaftStateBytes = -1, bool reliable = true, int seed = 1)
    {
        var members = Enumerable.Range(0, servers).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        var keyValue = new KeyValueOptions { MaxRaftStateBytes = maxRaftStateBytes, CommitTimeout = TimeSpan.FromSeconds(1) };
        IKvServers backend = clock is SimulatedTestClock simulated
            ? await SimulatedKvServers.StartAsync(simulated.Loop, Group, members, keyValue, reliable, seed)
            : await GrainKvServers.DeployAsync(Group, members, keyValue, reliable, seed);
        return new KvTestCluster(backend, members);
    }

    /// <summary>A client whose calls go through the network as <paramref name="name"/>.</summary>
    public TestKvClient NewClient(string name, int clientNumber) => new(this, name, clientNumber);

    public void CrashServer(string server) => Backend.Crash(server);

    public Task RestartServerAsync(string server) => Backend.RestartAsync(server);

    public async Task<long> MaxPersistedSizeAsync()
    {
        var sizes = await Task.WhenAll(Servers.Select(Backend.GetPersistedSize));
        return sizes.Max();
    }

    /// <summary>The largest stored snapshot record of any server, in bytes.</summary>
    public Task<long> MaxSnapshotSizeAsync() => Task.FromResult(Servers.Max(Backend.SnapshotBytes));

    public ValueTask DisposeAsync() => Backend.DisposeAsync();
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
        client = new KeyValueClient(cluster.Backend.Transport(name), new KeyValueClientOptions
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
            var response = await client.ExecuteAsync(KeyValueHistory.ToOperation(input));
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
