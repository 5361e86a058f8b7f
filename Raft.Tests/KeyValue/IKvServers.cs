using Raft.Client;
using Raft.Grains.Interfaces;

namespace Raft.Tests.KeyValue;

/// <summary>
/// The key-value servers a kvraft-style test runs against: each a Raft peer with its key-value front, on one host of a
/// labrpc network shared with named clients. Two hosts: grains on a test cluster in real time
/// (<see cref="GrainKvServers"/>), and production drivers with the same service on the simulator (<see cref="SimulatedKvServers"/>).
/// </summary>
internal interface IKvServers : IAsyncDisposable
{
    TimeProvider Time { get; }

    /// <summary>How client <paramref name="client"/> reaches the servers: through the network, from its own host.</summary>
    IKeyValueTransport Transport(string client);

    /// <summary>The network host of a server (peer and key-value front) and of a client.</summary>
    string ServerHost(string server);

    string ClientHost(string client);

    /// <summary>Splits the given hosts into groups that can talk only within themselves.</summary>
    void Partition(params IReadOnlyCollection<string>[] hosts);

    void Heal();

    void SetConnected(string host, bool connected);

    bool Reliable { set; }

    void Crash(string server);

    Task RestartAsync(string server);

    Task<RaftState> GetState(string server);

    Task<RaftStatus> GetStatus(string server);

    Task<long> GetPersistedSize(string server);

    /// <summary>The size of the server's stored snapshot record, in bytes (0 when none).</summary>
    long SnapshotBytes(string server);

    /// <summary>Every RPC sent, dropped ones included.</summary>
    long TotalRpcs { get; }
}
