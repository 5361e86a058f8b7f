using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Raft.Grains;
using Raft.Grains.Interfaces;
using Raft.Runtime;
using Raft.Runtime.Hosting;
using Raft.Runtime.Storage;
using Raft.Simulation;
using Raft.TestingHost;

namespace Raft.Tests.Lab3;

/// <summary>The lab's Raft group as grains on a <see cref="TestCluster"/> in real time, on the chosen grain storage.</summary>
internal sealed class GrainLabCluster : ILabCluster
{
    private readonly TestCluster cluster;
    private readonly LabStorage storage;
    private readonly IRaftPeerGrain[] peers;
    private readonly GrainId[] ids;

    private GrainLabCluster(TestCluster cluster, LabStorage storage, IRaftPeerGrain[] peers)
    {
        this.cluster = cluster;
        this.storage = storage;
        this.peers = peers;
        ids = peers.Select(p => p.GetGrainId()).ToArray();
    }

    /// <summary>
    /// Deploys <paramref name="silos"/> silos with peers "{group}/0".. (one per silo, round robin, when more than one),
    /// labrpc's long delays on, and wakes every peer.
    /// </summary>
    public static async Task<GrainLabCluster> DeployAsync(
        string group, int servers, int seed, int silos, LabStorage storage, SimulatedNetworkOptions network,
        IRaftStateMachineFactory stateMachines, Action<ILoggingBuilder> configureLogging, Action<ISiloBuilder>? configureSilo)
    {
        var members = Enumerable.Range(0, servers).Select(i => i.ToString(CultureInfo.InvariantCulture)).ToList();
        var options = new TestClusterOptions
        {
            SiloCount = silos,
            Network = network,
            ConfigureSilo = silo =>
            {
                silo.AddGrains(typeof(GrainsAssembly).Assembly);
                silo.Configure<RaftOptions>(o =>
                {
                    o.Groups = new Dictionary<string, List<string>> { [group] = members };
                    o.Seed = seed;
                    storage.ConfigureRaft(o);
                });
                silo.Services.AddSingleton(stateMachines);
                silo.Services.AddLogging(configureLogging);
                configureSilo?.Invoke(silo);
            },
        };
        storage.ConfigureCluster(options);
        if (silos > 1)
        {
            // One peer per silo, round robin, like one Raft server per machine.
            options.Placement = id => id.Key.StartsWith(group + "/", StringComparison.Ordinal)
                && int.TryParse(id.Key.AsSpan(group.Length + 1), NumberStyles.Integer, CultureInfo.InvariantCulture, out var peer)
                ? $"silo{peer % silos}"
                : null;
        }
        var cluster = await TestCluster.DeployAsync(options);
        cluster.Network.LongDelays = true;
        var peers = Enumerable.Range(0, servers).Select(i => cluster.GrainFactory.GetGrain<IRaftPeerGrain>($"{group}/{i}")).ToArray();
        var lab = new GrainLabCluster(cluster, storage, peers);
        await Task.WhenAll(peers.Select(p => p.Wake()));
        return lab;
    }

    public Task<StartResult> Start(int i, byte[] command) => peers[i].Start(command);

    public Task<RaftState> GetState(int i) => peers[i].GetState();

    public Task<RaftStatus> GetStatus(int i) => peers[i].GetStatus();

    public Task<long> GetPersistedSize(int i) => peers[i].GetPersistedSize();

    public Task Wake(int i) => peers[i].Wake();

    public void SetConnected(int i, bool connected)
    {
        if (connected)
        {
            cluster.Network.Connect(ids[i]);
        }
        else
        {
            cluster.Network.Disconnect(ids[i]);
        }
    }

    public bool Reliable
    {
        set => cluster.Network.Reliable = value;
    }

    public bool LongReordering
    {
        set => cluster.Network.LongReordering = value;
    }

    public void Crash(int i) => cluster.CrashGrain(ids[i]);

    public Task WaitForStorageWritesAsync(int i) => cluster.WaitForStorageWritesAsync(ids[i]);

    public void Restart(int i) => cluster.RestartGrain(ids[i]);

    public async Task<RaftSnapshotRecord?> ReadPersistedSnapshotAsync(int i)
    {
        var holder = new GrainState<RaftSnapshotRecord>(new RaftSnapshotRecord(0, 0, []));
        var grainStorage = cluster.PrimarySilo.Runtime.Services.GetRequiredKeyedService<IGrainStorage>("Default");
        await grainStorage.ReadStateAsync(RaftPeerStore.SnapshotName, ids[i], holder);
        return holder.RecordExists && holder.State.Data.Length > 0 ? holder.State : null;
    }

    public async Task<long> StoredLogBytesAsync(int i)
    {
        var records = await storage.StoredRecordsAsync(cluster);
        return records
            .Where(r => r.GrainId == ids[i] && !r.StateName.Contains("snapshot", StringComparison.OrdinalIgnoreCase))
            .Sum(r => r.Bytes);
    }

    public long ReceivedCount(int i) => cluster.Network.ReceivedCount(ids[i]);

    public long TotalCount => cluster.Network.TotalCount;

    public long TotalBytes => cluster.Network.TotalBytes;

    public ValueTask DisposeAsync() => cluster.DisposeAsync();
}
