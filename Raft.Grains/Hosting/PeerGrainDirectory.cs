using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.GrainDirectory;

namespace Raft.Grains;

/// <summary>
/// The grain directory of the pinned Raft grains (every peer pinned by RaftOptions.PeerSilos; chosen per grain type by
/// <see cref="PeerGrainDirectoryResolver"/>). It stores nothing: a pinned grain can only live on its home silo
/// (<see cref="PeerHomeSilo"/>), whose catalog holds at most one activation per grain, so that catalog is the
/// registration and the membership view is the lookup. So no registration lives on a third silo, and the death of a
/// silo ends no activation elsewhere (Orleans deactivates the activations whose registration was on a dead silo only
/// for grain types on its default directory).
/// <list type="bullet">
/// <item><see cref="Register"/> runs on the silo of the activating grain (Orleans' CachedGrainLocator) and accepts it
/// only there where the home is; an activation elsewhere is answered with the home silo, so Orleans deactivates it as a
/// duplicate and forwards its messages there.</item>
/// <item><see cref="Lookup"/> answers "not registered", so the calling silo places the grain with
/// <see cref="PeerPlacementDirector"/>, which gives the same home from the same rule, locally and without a remote call;
/// messages are addressed to a silo and a grain (not to an activation), and the home silo's catalog delivers them to
/// its activation or creates it. Orleans caches the address and drops it as soon as membership declares the silo dead.</item>
/// <item>Unregistering has nothing to remove.</item>
/// </list>
/// Every silo of a cluster must use it for the same grain types (the same Raft:PeerSilos), as for placement.
/// </summary>
internal sealed class PeerGrainDirectory(
    IOptions<RaftOptions> options, IClusterMembershipService membership, ILogger<PeerGrainDirectory> logger) : IGrainDirectory
{
    /// <summary>The directory's name among the silo's grain directories (Orleans' AddGrainDirectory).</summary>
    public const string Name = "raft-pinned-peers";

    public Task<GrainAddress?> Register(GrainAddress address)
    {
        if (!PeerHomeSilo.TryGetSiloName(options.Value, address.GrainId, out var siloName))
        {
            throw new InvalidOperationException(
                $"Grain '{address.GrainId}' is not pinned by Raft:PeerSilos, and the directory of pinned Raft grains holds pinned grains only.");
        }
        var snapshot = membership.CurrentSnapshot;
        var home = PeerHomeSilo.Find(snapshot, siloName);
        if (home is null)
        {
            throw new SiloUnavailableException(
                $"Grain '{address.GrainId}' lives on silo '{siloName}' (Raft:PeerSilos), which is not a member of the cluster.");
        }
        if (home.Equals(address.SiloAddress))
        {
            return Task.FromResult<GrainAddress?>(address);
        }
        logger.LogWarning(
            "Activation {Activation} of {Grain} on silo {Silo} refused: the grain lives on {Home} ({SiloName}, membership version {Version})",
            address.ActivationId, address.GrainId, address.SiloAddress, home, siloName, snapshot.Version);
        return Task.FromResult<GrainAddress?>(new GrainAddress { GrainId = address.GrainId, SiloAddress = home, MembershipVersion = snapshot.Version });
    }

    public Task<GrainAddress?> Lookup(GrainId grainId) => Task.FromResult<GrainAddress?>(null);

    public Task Unregister(GrainAddress address) => Task.CompletedTask;

    public Task UnregisterSilos(List<SiloAddress> siloAddresses) => Task.CompletedTask;
}
