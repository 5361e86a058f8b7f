using Orleans.Storage;
using Raft.Grains;
using Raft.Simulation;

namespace Raft.TestingHost;

/// <summary>How a <see cref="LabTestCluster"/> is built.</summary>
public sealed class LabTestClusterOptions
{
    /// <summary>Number of silos (Orleans names them Silo_0, Silo_1, …).</summary>
    public int SiloCount { get; set; } = 1;

    /// <summary>Configures each silo (Raft options, state machines, logging, extra services).</summary>
    public Action<ISiloBuilder>? ConfigureSilo { get; set; }

    /// <summary>The labrpc network between Raft grains.</summary>
    public SimulatedNetworkOptions Network { get; set; } = new();

    /// <summary>
    /// The "Default" grain storage shared by every silo, so that what a peer persisted outlives its silo. Null: a new
    /// <see cref="SharedMemoryGrainStorage"/>. Writes of crashed peers are refused in front of it (<see cref="CrashFencedStorage"/>).
    /// </summary>
    public IGrainStorage? Storage { get; set; }

    /// <summary>How the storage behaves for the peers (<see cref="PeerStorageTraits"/>); null: what the memory storage is.</summary>
    public PeerStorageTraits? StorageTraits { get; set; }

    /// <summary>
    /// True (Orleans' test default): one in-process grain directory shared by the silos. False: Orleans' production
    /// directory, partitioned over the silos, whose registrations a dead silo takes with it.
    /// </summary>
    public bool UseTestClusterGrainDirectory { get; set; } = true;

    /// <summary>Orleans' response timeout for grain calls, on silos and client.</summary>
    public TimeSpan ResponseTimeout { get; set; } = TimeSpan.FromSeconds(30);
}
