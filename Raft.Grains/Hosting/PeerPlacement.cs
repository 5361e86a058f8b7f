using Microsoft.Extensions.Options;
using Orleans.Placement;
using Orleans.Runtime.Placement;

namespace Raft.Grains;

/// <summary>
/// Where a Raft peer and its key-value grain (same key, "kv/0") are activated: on the silo that RaftOptions.PeerSilos
/// names for the key, else on a silo chosen from the key alone, so that the two grains of a peer land together.
/// </summary>
[GenerateSerializer, Immutable, Alias("raft.peer-placement")]
public sealed class PeerPlacement : PlacementStrategy
{
}

/// <summary>Places a grain class with <see cref="PeerPlacement"/>.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false)]
public sealed class PeerPlacementAttribute() : PlacementAttribute(new PeerPlacement());

/// <summary>
/// Runs on the silo that sends the first call (the gateway for a client's call), so it is registered on every silo. A
/// pinned peer goes to its home silo (<see cref="PeerHomeSilo"/>); when that is not an active member, the call fails at
/// once with SiloUnavailableException: activating it elsewhere would start it on a silo that does not hold its data
/// (with SQLite, on another machine's disk), where it would vote and accept entries from an empty log.
/// </summary>
internal sealed class PeerPlacementDirector(IOptions<RaftOptions> options, IClusterMembershipService membership) : IPlacementDirector
{
    public Task<SiloAddress> OnAddActivation(PlacementStrategy strategy, PlacementTarget target, IPlacementContext context)
    {
        var key = target.GrainIdentity.Key.ToString()!;
        var silos = context.GetCompatibleSilos(target);
        if (PeerHomeSilo.TryGetSiloName(options.Value, target.GrainIdentity, out var siloName))
        {
            var home = PeerHomeSilo.Find(membership.CurrentSnapshot, siloName);
            if (home is not null && silos.Contains(home))
            {
                return Task.FromResult(home);
            }
            throw new SiloUnavailableException(
                $"Raft peer '{key}' lives on silo '{siloName}' (Raft:PeerSilos), which is not an active member of the cluster.");
        }
        if (silos.Length == 0)
        {
            throw new SiloUnavailableException($"No compatible silo is active for '{key}'.");
        }
        // The same key gives the same silo while membership stands, whichever grain of the peer is placed first.
        var ordered = silos.OrderBy(s => s.ToParsableString(), StringComparer.Ordinal).ToArray();
        return Task.FromResult(ordered[(int)(StableHash(key) % (uint)ordered.Length)]);
    }

    // FNV-1a: string.GetHashCode differs between processes, and every silo must agree.
    private static uint StableHash(string text)
    {
        var hash = 2166136261u;
        foreach (var c in text)
        {
            hash = (hash ^ c) * 16777619u;
        }
        return hash;
    }
}
