using System.Collections.Concurrent;
using Raft.Runtime;
using Raft.Runtime.Hosting;
using Raft.Runtime.Messaging;

namespace Raft.TestingHost;

/// <summary>
/// The transport between the silos of an in-process test cluster: messages are handed to the destination
/// silo's message center directly (bodies stay serialized, so every call still crosses a serialization
/// boundary). A silo that was killed is simply no longer reachable.
/// </summary>
internal sealed class InProcessFabric
{
    private readonly ConcurrentDictionary<string, SiloMessageCenter> silos = new();

    public void Register(string name, SiloMessageCenter center) => silos[name] = center;

    /// <summary>Takes the silo off the fabric and fails every call other silos are waiting on there.</summary>
    public void Unregister(string name)
    {
        silos.TryRemove(name, out _);
        // By name, not in the dictionary's hash order (string hashes differ per process): callers wake in a stable order.
        foreach (var center in silos.OrderBy(s => s.Key, StringComparer.Ordinal).Select(s => s.Value))
        {
            center.Callbacks.FailWhere(m => center.PlaceGrain(m.Target) == name, m => new SiloUnavailableException($"Silo {name} is down."));
        }
    }

    public IMessageTransport TransportFor(string siloName) => new Transport(this, siloName);

    private sealed class Transport(InProcessFabric fabric, string self) : IMessageTransport
    {
        public void Send(string destination, Message message)
        {
            if (!fabric.silos.TryGetValue(destination, out var center))
            {
                throw new SiloUnavailableException($"Silo {destination} is down (sent from {self}).");
            }
            center.Receive(message);
        }

        public ValueTask DisposeAsync()
        {
            fabric.Unregister(self);
            return ValueTask.CompletedTask;
        }
    }
}
