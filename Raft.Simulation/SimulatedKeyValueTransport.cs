using Raft.Client;
using Raft.Grains.Interfaces;
using Raft.Grains.KeyValue;

namespace Raft.Simulation;

/// <summary>A key-value client's requests as calls from client <paramref name="client"/> through the simulated network.</summary>
public sealed class SimulatedKeyValueTransport(SimulatedRaftCluster cluster, string client) : IKeyValueTransport
{
    public Task<KvResponse> ExecuteAsync(string peerId, KvRequest request, TimeSpan timeout) =>
        cluster.CallServiceAsync<KeyValueService, KvResponse>(client, peerId, "Execute", request, service => service.Execute(request), timeout);

    public bool IsTransportFailure(Exception exception) => exception is LostMessageException;
}
