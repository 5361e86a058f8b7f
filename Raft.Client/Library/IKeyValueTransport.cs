using Raft.Grains.Interfaces;

namespace Raft.Client;

/// <summary>
/// How a <see cref="KeyValueClient"/> reaches the key-value service of one peer: grain calls in production
/// (<see cref="GrainKeyValueTransport"/>), a simulated network in tests. The client's leader finding, retries and
/// session numbering sit above it, the same whatever carries the requests.
/// </summary>
public interface IKeyValueTransport
{
    /// <summary>
    /// Sends <paramref name="request"/> to the key-value service of peer <paramref name="peerId"/> ("{group}/{member}")
    /// and returns its answer. A request or reply lost, or not answered within <paramref name="timeout"/>, completes with
    /// an exception that <see cref="IsTransportFailure"/> accepts (or a <see cref="TimeoutException"/>).
    /// </summary>
    Task<KvResponse> ExecuteAsync(string peerId, KvRequest request, TimeSpan timeout);

    /// <summary>True when the call failed because a message was lost or the peer could not be reached: try another peer.</summary>
    bool IsTransportFailure(Exception exception);
}
