using System.Diagnostics.CodeAnalysis;

namespace Raft.Grains;

/// <summary>
/// Where a pinned Raft grain (its key in RaftOptions.PeerSilos, "kv/0" for the peer and its key-value grain) lives:
/// the oldest member of the membership view with the configured silo name that membership has not declared dead.
/// Placement (<see cref="PeerPlacementDirector"/>: where an activation is created) and the pinned grain directory
/// (<see cref="PeerGrainDirectory"/>: which activation may register) follow this one rule, so that while two silos
/// of one name are members (a process restarted on another address before the old one is declared dead) the grain
/// stays where it may still run, and moves only once membership declares that silo dead. A silo restarted on the same
/// address marks its older generation dead when it joins (Orleans' MembershipTableManager), so it is the home as soon
/// as it is active.
/// </summary>
internal static class PeerHomeSilo
{
    /// <summary>The silo name RaftOptions.PeerSilos gives the grain's key, if it pins it.</summary>
    public static bool TryGetSiloName(RaftOptions options, GrainId grain, [NotNullWhen(true)] out string? siloName) =>
        options.PeerSilos.TryGetValue(grain.Key.ToString()!, out siloName);

    /// <summary>The home silo of a grain pinned to <paramref name="siloName"/>, or null when no such silo is a live member.</summary>
    public static SiloAddress? Find(ClusterMembershipSnapshot snapshot, string siloName)
    {
        SiloAddress? home = null;
        foreach (var member in snapshot.Members.Values)
        {
            if (member.Name == siloName && member.Status != SiloStatus.Dead && (home is null || IsOlder(member.SiloAddress, home)))
            {
                home = member.SiloAddress;
            }
        }
        return home;
    }

    private static bool IsOlder(SiloAddress silo, SiloAddress than) =>
        silo.Generation != than.Generation
            ? silo.Generation < than.Generation
            : string.CompareOrdinal(silo.ToParsableString(), than.ToParsableString()) < 0;
}
