using Raft.Grains.Interfaces;
using Raft.Runtime;

namespace Raft.Client;

/// <summary>Requests as grain calls to each peer's <see cref="IKeyValueGrain"/>, with a response timeout per call.</summary>
public sealed class GrainKeyValueTransport(IGrainFactory grains) : IKeyValueTransport
{
    // A grain reference is a proxy object, not worth making per call.
    private readonly Dictionary<string, IKeyValueGrain> _grains = new(StringComparer.Ordinal);

    public Task<KvResponse> ExecuteAsync(string peerId, KvRequest request, TimeSpan timeout)
    {
        if (!_grains.TryGetValue(peerId, out var grain))
        {
            grain = grains.GetGrain<IKeyValueGrain>(peerId);
            _grains[peerId] = grain;
        }
        using (GrainCallOptions.WithTimeout(timeout))
        {
            return grain.Execute(request);
        }
    }

    public bool IsTransportFailure(Exception exception) => exception is GrainCallException;
}
