using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Raft.Grains.Interfaces;

namespace Raft.Grains;

/// <summary>
/// Wakes the Raft peers this silo hosts once it is active, so a group elects a leader without waiting for a client:
/// the peers RaftOptions.PeerSilos pins here, or, when nothing is pinned, every configured peer (placement decides
/// where; waking an active peer again does nothing).
/// </summary>
internal sealed class RaftPeerStarter(
    IGrainFactory grains, ILocalSiloDetails silo, IOptions<RaftOptions> options, ILogger<RaftPeerStarter> logger)
    : ILifecycleParticipant<ISiloLifecycle>
{
    public void Participate(ISiloLifecycle lifecycle) =>
        lifecycle.Subscribe(nameof(RaftPeerStarter), ServiceLifecycleStage.Active, WakeAsync, _ => Task.CompletedTask);

    private async Task WakeAsync(CancellationToken cancellationToken)
    {
        var pinned = options.Value.PeerSilos;
        foreach (var peerId in options.Value.PeerIds)
        {
            if (pinned.Count > 0 && (!pinned.TryGetValue(peerId, out var home) || home != silo.Name))
            {
                continue;
            }
            try
            {
                await grains.GetGrain<IRaftPeerGrain>(peerId).Wake();
                logger.LogInformation("Raft peer {Peer} started from silo {Silo}", peerId, silo.Name);
            }
            catch (Exception exception)
            {
                // The peer starts on its first call instead; its silo may not have joined yet.
                logger.LogWarning(exception, "Raft peer {Peer} could not be woken from silo {Silo}", peerId, silo.Name);
            }
        }
    }
}
