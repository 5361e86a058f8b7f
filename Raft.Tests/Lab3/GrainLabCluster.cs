using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Raft.Grains;
using Raft.Grains.Interfaces;
using Raft.Simulation;
using Raft.TestingHost;

namespace Raft.Tests.Lab3;

/// <summary>The lab's Raft group as grains on an Orleans <see cref="LabTestCluster"/> in real time, on the chosen grain storage.</summary>
internal sealed class GrainLabCluster : ILabCluster
{
    private readonly LabTestCluster cluster;
    private readonly LabStorage storage;
    private readonly IRaftPeerGrain[] peers;
    private readonly GrainId[] ids;

    private GrainLabCluster(LabTestCluster cluster, LabStorage storage, IRaftPeerGrain[] peers)
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
        var options = new LabTestClusterOptions
        {
            SiloCount = silos,
            Network = network,
            ConfigureSilo = silo =>
            {
                silo.Configure<RaftOptions>(o =>
                {
                    o.Groups = new Dictionary<string, List<string>> { [group] = members };
                    o.Seed = seed;
                    if (silos > 1)
                    {
                        // One peer per silo, round robin, like one Raft server per machine.
                        o.PeerSilos = members.ToDictionary(m => $"{group}/{m}", m => $"Silo_{int.Parse(m, CultureInfo.InvariantCulture) % silos}");
                    }
                    storage.ConfigureRaft(o);
                });
                silo.Services.AddSingleton(stateMachines);
                silo.Services.AddLogging(configureLogging);
                configureSilo?.Invoke(silo);
            },
        };
        storage.ConfigureCluster(options);
        var cluster = await LabTestCluster.DeployAsync(options);
        cluster.Lab.LongDelays = true;
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

    public void SetConnected(int i, bool connected) => cluster.Lab.SetConnected(LabNetworkFilter.HostOf(ids[i]), connected);

    public bool Reliable
    {
        set => cluster.Lab.Reliable = value;
    }

    public bool LongReordering
    {
        set => cluster.Lab.LongReordering = value;
    }

    public void Crash(int i) => cluster.CrashGrain(ids[i]);

    public Task WaitForStorageWritesAsync(int i) => storage.WaitForWritesAsync(cluster, ids[i]);

    public void Restart(int i) => cluster.RestartGrain(ids[i]);

    public async Task<RaftSnapshotRecord?> ReadPersistedSnapshotAsync(int i)
    {
        var holder = new GrainState<RaftSnapshotRecord>(new RaftSnapshotRecord(0, 0, []));
        await cluster.Storage.ReadStateAsync(RaftPeerStore.SnapshotName, ids[i], holder);
        return holder.RecordExists && holder.State is { Data.Length: > 0 } snapshot ? snapshot : null;
    }

    public async Task<long> StoredLogBytesAsync(int i)
    {
        var records = await storage.StoredRecordsAsync(cluster);
        return records
            .Where(r => r.GrainId == ids[i] && !r.StateName.Contains("snapshot", StringComparison.OrdinalIgnoreCase))
            .Sum(r => r.Bytes);
    }

    public long ReceivedCount(int i) => cluster.Lab.ReceivedCount(ids[i].ToString());

    public long TotalCount => cluster.Lab.TotalCount;

    public long TotalBytes => cluster.Lab.TotalBytes;

    public ValueTask DisposeAsync() => cluster.DisposeAsync();
}
