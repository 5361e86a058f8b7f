using Orleans;

namespace Raft.Grains.Interfaces;

/// <summary>
/// The key-value service in front of one Raft peer, keyed like the peer ("kv/0") and placed with it.
/// Only the leader's service answers other than WrongLeader. The token carries the client's attempt timeout: a
/// cancelled attempt has an unknown outcome, and the client retries it under the same sequence number.
/// </summary>
[Alias("raft.keyvalue")]
public interface IKeyValueGrain : IGrainWithStringKey
{
    [Alias("Execute")]
    Task<KvResponse> Execute(KvRequest request, CancellationToken cancellationToken = default);
}
