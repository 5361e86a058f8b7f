using Raft.Client;
using Raft.Grains.Interfaces;

namespace Raft.Benchmarks.Failover;

/// <summary>
/// Wraps the grain transport of one client and records every attempt (start, end, peer, outcome), so the benchmark
/// can tell how long the clients spent on the killed peer before they moved on, and how long the new leader then took.
/// </summary>
internal sealed class TracingTransport(IKeyValueTransport inner, IReadOnlyList<string> peers, MicrosecondClock clock) : IKeyValueTransport
{
    private readonly List<ClientAttempt> _attempts = [];

    /// <summary>Attempts in the order they ended; read only after the client stopped.</summary>
    public IReadOnlyList<ClientAttempt> Attempts => _attempts;

    public async Task<KvResponse> ExecuteAsync(string peerId, KvRequest request, TimeSpan timeout)
    {
        var start = clock.NowMicros();
        var peer = PeerIndex(peerId);
        try
        {
            var response = await inner.ExecuteAsync(peerId, request, timeout);
            Record(start, peer, response.Status.ToString());
            return response;
        }
        catch (Exception exception)
        {
            Record(start, peer, exception.GetType().Name);
            throw;
        }
    }

    public bool IsTransportFailure(Exception exception) => inner.IsTransportFailure(exception);

    private void Record(long start, int peer, string outcome)
    {
        lock (_attempts)
        {
            _attempts.Add(new ClientAttempt(start, clock.NowMicros(), peer, outcome));
        }
    }

    // Peer ids come as "{group}/{member}".
    private int PeerIndex(string peerId)
    {
        var member = peerId[(peerId.LastIndexOf('/') + 1)..];
        for (var i = 0; i < peers.Count; i++)
        {
            if (peers[i] == member)
            {
                return i;
            }
        }
        return -1;
    }
}
