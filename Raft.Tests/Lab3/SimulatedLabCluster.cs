using System.Globalization;
using Microsoft.Extensions.Logging;
using Raft.Grains;
using Raft.Grains.Interfaces;
using Raft.Simulation;

namespace Raft.Tests.Lab3;

/// <summary>The lab's Raft group as production drivers on the simulator (<see cref="SimulatedRaftCluster"/>): no grain runtime.</summary>
internal sealed class SimulatedLabCluster : ILabCluster
{
    private readonly SimulatedRaftCluster cluster;
    private readonly Task[] activations;

    private SimulatedLabCluster(SimulatedRaftCluster cluster, int servers)
    {
        this.cluster = cluster;
        activations = new Task[servers];
    }

    /// <summary>Starts <paramref name="servers"/> peers "lab/0".. on <paramref name="loop"/>, with labrpc's long delays on.</summary>
    public static async Task<SimulatedLabCluster> StartAsync(
        SimulationLoop loop, string group, int servers, RaftOptions raft, SimulatedNetworkOptions network,
        IRaftStateMachineFactory stateMachines, ILoggerFactory loggerFactory)
    {
        var cluster = new SimulatedRaftCluster(loop, new SimulatedRaftOptions
        {
            Group = group,
            Members = Enumerable.Range(0, servers).Select(i => i.ToString(CultureInfo.InvariantCulture)).ToArray(),
            Raft = raft,
            Network = network,
            DiskWriteLatency = Simulation.SimulatedTestClock.DiskWriteLatency,
            DiskSeed = network.Seed,
            StateMachines = stateMachines,
            LoggerFactory = loggerFactory,
        });
        cluster.Network.LongDelays = true;
        var lab = new SimulatedLabCluster(cluster, servers);
        for (var i = 0; i < servers; i++)
        {
            lab.Restart(i);
        }
        await Task.WhenAll(lab.activations);
        return lab;
    }

    private string Id(int i) => cluster.PeerIds[i];

    public Task<StartResult> Start(int i, byte[] command) => cluster.CallAsync(Id(i), peer => peer.Start(command));

    public Task<RaftState> GetState(int i) => cluster.CallAsync(Id(i), peer => peer.GetState());

    public Task<RaftStatus> GetStatus(int i) => cluster.CallAsync(Id(i), peer => peer.GetStatus());

    public Task<long> GetPersistedSize(int i) => cluster.CallAsync(Id(i), peer => peer.GetPersistedSize());

    public Task Wake(int i) => activations[i];

    public void SetConnected(int i, bool connected)
    {
        if (connected)
        {
            cluster.Network.Connect(cluster.HostOf(Id(i)));
        }
        else
        {
            cluster.Network.Disconnect(cluster.HostOf(Id(i)));
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

    public void Crash(int i) => cluster.Crash(Id(i));

    // A crash decides at once which of the peer's writes on their way land (a power loss): none is left pending.
    public Task WaitForStorageWritesAsync(int i) => Task.CompletedTask;

    public void Restart(int i)
    {
        cluster.Crash(Id(i));
        activations[i] = cluster.StartAsync(Id(i));
    }

    public Task<RaftSnapshotRecord?> ReadPersistedSnapshotAsync(int i)
    {
        var snapshot = cluster.Disk(Id(i)).Get<RaftSnapshotRecord>(RaftPeerStore.SnapshotName);
        return Task.FromResult(snapshot is { Data.Length: > 0 } ? snapshot : null);
    }

    public Task<long> StoredLogBytesAsync(int i) =>
        Task.FromResult(cluster.Disk(Id(i)).Records
            .Where(record => !record.Name.Contains("snapshot", StringComparison.OrdinalIgnoreCase))
            .Sum(record => MessageSize.Of(record.State)));

    public long ReceivedCount(int i) => cluster.Network.ReceivedCount(Id(i));

    public long TotalCount => cluster.Network.TotalCount;

    public long TotalBytes => cluster.Network.TotalBytes;

    public ValueTask DisposeAsync()
    {
        foreach (var id in cluster.PeerIds)
        {
            cluster.Crash(id);
        }
        return ValueTask.CompletedTask;
    }
}
