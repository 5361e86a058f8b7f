using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Orleans.Storage;

namespace Raft.Grains;

/// <summary>
/// Stops the silo at start when the peers' storage cannot serve them: no grain storage provider under
/// RaftOptions.StorageName, or no <see cref="PeerStorageTraits"/> declared for it. Found later, it would fail every peer.
/// </summary>
internal sealed class RaftStorageCheck(IServiceProvider services, IOptions<RaftOptions> options) : ILifecycleParticipant<ISiloLifecycle>
{
    public void Participate(ISiloLifecycle lifecycle) =>
        lifecycle.Subscribe(nameof(RaftStorageCheck), ServiceLifecycleStage.RuntimeInitialize, Check, _ => Task.CompletedTask);

    internal static string NoTraits(string storageName) =>
        $"Raft peers store their state in grain storage '{storageName}' (Raft:StorageName), but no PeerStorageTraits are declared " +
        $"for it: call siloBuilder.AddRaftStorageTraits(\"{storageName}\", ...) (see PeerStorageTraits and Raft.Grains/Peer/PERSISTENCE.md).";

    private Task Check(CancellationToken cancellationToken)
    {
        var name = options.Value.StorageName;
        if (services.GetKeyedService<IGrainStorage>(name) is null)
        {
            throw new InvalidOperationException(
                $"Raft peers store their state in grain storage '{name}' (Raft:StorageName), but no grain storage provider by that name is registered.");
        }
        if (services.GetKeyedService<PeerStorageTraits>(name) is null)
        {
            throw new InvalidOperationException(NoTraits(name));
        }
        return Task.CompletedTask;
    }
}
