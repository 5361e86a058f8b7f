using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Raft.Grains.Interfaces;
using Raft.Runtime;

namespace Raft.Grains;

/// <summary>Wakes the Raft peers that live on this silo once it has started.</summary>
internal sealed class RaftPeerStarter(Raft.Runtime.Hosting.Silo silo, IOptions<RaftOptions> options, ILogger<RaftPeerStarter> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        foreach (var (group, members) in options.Value.EffectiveGroups)
        {
            foreach (var member in members)
            {
                var peerId = $"{group}/{member}";
                if (silo.PlaceGrain(new GrainId("raftpeer", peerId)) != silo.Name)
                {
                    continue;
                }
                await silo.GrainFactory.GetGrain<IRaftPeerGrain>(peerId).Wake();
                logger.LogInformation("Raft peer {Peer} started on silo {Silo}", peerId, silo.Name);
            }
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
