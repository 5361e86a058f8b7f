using Microsoft.Extensions.Logging;
using Raft.Grains;
using Raft.Grains.KeyValue;

namespace Raft.Simulation;

/// <summary>The key-value service on the simulator: each peer life runs a <see cref="KeyValueService"/> beside its driver.</summary>
public static class SimulatedKeyValue
{
    /// <summary>
    /// Options for a group whose servers are a peer and its key-value front on one host ("server/{peer id}"), the
    /// state machines the production ones (<paramref name="wrapStateMachines"/> may wrap them, e.g. to watch what is applied).
    /// </summary>
    public static SimulatedRaftOptions Options(
        SimulationLoop loop, string group, IReadOnlyList<string> members, RaftOptions raft, KeyValueOptions keyValue,
        SimulatedNetworkOptions network, ILoggerFactory loggerFactory,
        Func<IRaftStateMachineFactory, IRaftStateMachineFactory>? wrapStateMachines = null, TimeSpan diskWriteLatency = default)
    {
        var machines = new KvStateMachineFactory(Microsoft.Extensions.Options.Options.Create(keyValue), loggerFactory);
        return new SimulatedRaftOptions
        {
            Group = group,
            Members = members,
            Raft = raft,
            Network = network,
            DiskWriteLatency = diskWriteLatency,
            DiskSeed = network.Seed,
            StateMachines = wrapStateMachines?.Invoke(machines) ?? machines,
            // The peer is running whenever its life is: the service never needs to wake it.
            Service = (peerId, peer) => new KeyValueService(peerId, machines, keyValue, loop, peer.Propose, static () => Task.CompletedTask),
            HostOf = ServerHost,
            LoggerFactory = loggerFactory,
        };
    }

    /// <summary>The network host of a server: its peer and its key-value front.</summary>
    public static string ServerHost(string peerId) => "server/" + peerId;
}
