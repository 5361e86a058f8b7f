using Orleans;

namespace Raft.Grains.Interfaces;

/// <summary>One peer's answer to a status query: its status, or why there is none (unreachable, too slow, failed).</summary>
public sealed record PeerStatusReading(string Peer, RaftStatus? Status, string? Error);

/// <summary>
/// Asks every peer of a group for its status in parallel, each within its own deadline, so that one peer that does not
/// answer (its silo down, its activation crashed) costs a row saying so instead of the whole query. Shared by the CLI's
/// status and watch and by the silo's /raft page.
/// </summary>
public static class PeerStatusReader
{
    /// <param name="peers">Member ids within <paramref name="group"/> ("0", "1", ...); readings come back in this order.</param>
    public static Task<PeerStatusReading[]> ReadAsync(
        IGrainFactory grains, string group, IEnumerable<string> peers, TimeSpan perPeer, CancellationToken cancellationToken) =>
        Task.WhenAll(peers.Select(async peer =>
        {
            try
            {
                var status = await grains.GetGrain<IRaftPeerGrain>($"{group}/{peer}").GetStatus().WaitAsync(perPeer, cancellationToken);
                return new PeerStatusReading(peer, status, null);
            }
            catch (Exception exception) when (exception is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                return new PeerStatusReading(peer, null, exception is TimeoutException ? $"no answer within {perPeer.TotalMilliseconds:0} ms" : exception.Message);
            }
        }));
}
