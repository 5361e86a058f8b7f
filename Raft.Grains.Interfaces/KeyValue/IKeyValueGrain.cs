using Raft.Runtime;

namespace Raft.Grains.Interfaces;

/// <summary>
/// The key-value service in front of one Raft peer, keyed like the peer ("kv/0") and placed with it.
/// Only the leader's service answers other than WrongLeader.
/// </summary>
[DefaultGrainType("keyvalue")]
public interface IKeyValueGrain : IGrainWithStringKey
{
    Task<KvResponse> Execute(KvRequest request);
}
