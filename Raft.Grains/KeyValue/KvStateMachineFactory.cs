using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Raft.Grains.KeyValue;

/// <summary>
/// Creates the key-value state machine of each peer activation and remembers the current one per peer, so
/// that the peer's key-value grain (placed on the same silo) can wait for its requests to be applied.
/// </summary>
public sealed class KvStateMachineFactory : IRaftStateMachineFactory
{
    private readonly ConcurrentDictionary<string, KvStateMachine> current = new();
    private readonly KeyValueOptions options;
    private readonly ILoggerFactory loggerFactory;
    private readonly KvCodec serializer = KvCodec.Shared;

    public KvStateMachineFactory(IOptions<KeyValueOptions> options, ILoggerFactory loggerFactory)
    {
        this.options = options.Value;
        this.loggerFactory = loggerFactory;
    }

    public IRaftStateMachine Create(string peerId)
    {
        var machine = new KvStateMachine(peerId, options, serializer, loggerFactory.CreateLogger<KvStateMachine>());
        if (current.TryGetValue(peerId, out var previous))
        {
            previous.Close();
        }
        current[peerId] = machine;
        return machine;
    }

    /// <summary>The state machine of the peer's current activation, if it has one on this silo.</summary>
    public KvStateMachine? Find(string peerId) => current.TryGetValue(peerId, out var machine) ? machine : null;
}
