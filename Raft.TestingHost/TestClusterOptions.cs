using Raft.Runtime;
using Raft.Runtime.Hosting;
using Raft.Simulation;

namespace Raft.TestingHost;

/// <summary>How an in-process test cluster is built.</summary>
public sealed class TestClusterOptions
{
    /// <summary>Number of silos, named silo0, silo1, ….</summary>
    public int SiloCount { get; set; } = 2;

    /// <summary>Configures each silo (grains, storage, options). Memory storage providers are shared by all silos.</summary>
    public Action<ISiloBuilder>? ConfigureSilo { get; set; }

    /// <summary>Pins grains to silos; null places every grain by hash.</summary>
    public Func<GrainId, string?>? Placement { get; set; }

    /// <summary>Put the simulated network between grains.</summary>
    public bool UseSimulatedNetwork { get; set; } = true;

    public SimulatedNetworkOptions Network { get; set; } = new();

    /// <summary>Default response timeout of grain calls in the cluster.</summary>
    public TimeSpan ResponseTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The clock of every silo and of the network (ignored in simulation: the loop is the clock).</summary>
    public TimeProvider Time { get; set; } = TimeProvider.System;

    /// <summary>
    /// Runs the cluster in a deterministic simulation: every silo's turns and timers, the network's delays and the
    /// cluster operations run on this loop in virtual time, and the network records each call's fate in its trace.
    /// Deploy, use and dispose the cluster inside <see cref="SimulationLoop.Run{T}"/>.
    /// </summary>
    public SimulationLoop? Simulation { get; set; }

    /// <summary>Names of memory storage providers to create and share between silos (survive crash and silo restart).</summary>
    public List<string> MemoryStorageNames { get; set; } = new() { "Default" };
}
