using Microsoft.Extensions.Options;

namespace Raft.Grains;

/// <summary>Checks the "Raft" settings when the silo starts, naming each bad setting, so that a typo stops the silo instead of a group.</summary>
internal sealed class RaftOptionsValidator : IValidateOptions<RaftOptions>
{
    public ValidateOptionsResult Validate(string? name, RaftOptions options)
    {
        var errors = new List<string>();
        foreach (var (group, members) in options.EffectiveGroups)
        {
            if (string.IsNullOrWhiteSpace(group) || group.Contains('/'))
            {
                errors.Add($"Raft:Groups: group name '{group}' must be non-empty and contain no '/'.");
            }
            if (members.Count == 0 || members.Any(string.IsNullOrWhiteSpace) || members.Distinct().Count() != members.Count)
            {
                errors.Add($"Raft:Groups:{group}: members must be non-empty and distinct.");
            }
        }
        if (options.HeartbeatInterval <= TimeSpan.Zero)
        {
            errors.Add("Raft:HeartbeatInterval must be positive.");
        }
        if (options.ElectionTimeoutMin <= options.HeartbeatInterval || options.ElectionTimeoutMax <= options.ElectionTimeoutMin)
        {
            errors.Add("Raft:ElectionTimeoutMin must exceed Raft:HeartbeatInterval, and Raft:ElectionTimeoutMax must exceed Raft:ElectionTimeoutMin.");
        }
        if (options.RpcTimeout <= TimeSpan.Zero || options.InstallSnapshotTimeout <= TimeSpan.Zero)
        {
            errors.Add("Raft:RpcTimeout and Raft:InstallSnapshotTimeout must be positive.");
        }
        if (options.EntriesPerSegment <= 0 || options.MaxEntriesPerAppend <= 0 || options.MaxBytesPerAppend <= 0
            || options.MaxInflightAppends <= 0 || options.MaxInflightBytes <= 0)
        {
            errors.Add("Raft:EntriesPerSegment, MaxEntriesPerAppend, MaxBytesPerAppend, MaxInflightAppends and MaxInflightBytes must be positive.");
        }
        if (string.IsNullOrWhiteSpace(options.StorageName))
        {
            errors.Add("Raft:StorageName must name a grain storage provider.");
        }
        var peers = options.PeerIds.ToHashSet(StringComparer.Ordinal);
        foreach (var (peer, silo) in options.PeerSilos)
        {
            if (!peers.Contains(peer) || string.IsNullOrWhiteSpace(silo))
            {
                errors.Add($"Raft:PeerSilos:{peer}: not a configured peer, or no silo named.");
            }
        }
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
