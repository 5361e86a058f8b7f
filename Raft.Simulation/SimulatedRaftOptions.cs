using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Raft.Grains;

namespace Raft.Simulation;

/// <summary>What a <see cref="SimulatedRaftCluster"/> runs: one Raft group, its settings, network and state machines.</summary>
public sealed class SimulatedRaftOptions
{
    /// <summary>The group's name: peer ids are "{Group}/{member}".</summary>
    public string Group { get; init; } = "kv";

    /// <summary>The group's members.</summary>
    public IReadOnlyList<string> Members { get; init; } = ["0", "1", "2"];

    /// <summary>The peers' settings; <see cref="RaftOptions.Groups"/> is set from Group and Members.</summary>
    public RaftOptions Raft { get; init; } = new();

    public SimulatedNetworkOptions Network { get; init; } = new();

    /// <summary>
    /// How long a write takes to land on a peer's disk (and be acknowledged). Zero: at once, and a crash loses nothing
    /// issued. Above zero, a crash is a power loss: writes still on their way land or not, a prefix drawn from
    /// <see cref="DiskSeed"/>, so a peer that answered before its write was durable can lose what it answered for.
    /// </summary>
    public TimeSpan DiskWriteLatency { get; init; } = TimeSpan.Zero;

    /// <summary>Seed of the power-loss draws.</summary>
    public int DiskSeed { get; init; } = 1;

    /// <summary>Creates each life's state machine (none: entries are committed and dropped).</summary>
    public IRaftStateMachineFactory? StateMachines { get; init; }

    /// <summary>
    /// A service that runs beside each peer life, on the peer's turns, created when the life starts: the key-value
    /// front, say. Clients reach it through the network (<see cref="SimulatedRaftCluster.CallServiceAsync{TService, TResponse}"/>).
    /// </summary>
    public Func<string, RaftPeer, object>? Service { get; init; }

    public ILoggerFactory LoggerFactory { get; init; } = NullLoggerFactory.Instance;

    /// <summary>Which host a peer runs on (default: a host of its own, named by its id); peers on one host share its links.</summary>
    public Func<string, string> HostOf { get; init; } = static peerId => peerId;
}
