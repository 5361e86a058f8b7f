namespace Raft.Silo;

/// <summary>
/// The leader changes of each group as the status monitor saw them, kept for <see cref="Retention"/>. Only what a poll
/// sees is recorded: a leadership shorter than one poll interval may be missed.
/// </summary>
public sealed class LeaderTimeline
{
    public static readonly TimeSpan Retention = TimeSpan.FromMinutes(15);

    private readonly Dictionary<string, List<LeaderChange>> _changes = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();

    /// <summary>Records what a poll saw; nothing when it is what was seen last.</summary>
    public void Observe(string group, long term, string? leader, DateTimeOffset at)
    {
        lock (_lock)
        {
            if (!_changes.TryGetValue(group, out var changes))
            {
                _changes[group] = changes = [];
            }
            if (changes.Count > 0 && changes[^1].Term == term && changes[^1].Leader == leader)
            {
                return;
            }
            changes.Add(new LeaderChange(at, term, leader));
            // Keep the last change before the retention window: it says who led at the window's start.
            var expired = changes.FindLastIndex(c => c.At < at - Retention);
            if (expired > 0)
            {
                changes.RemoveRange(0, expired);
            }
        }
    }

    /// <summary>The changes from <paramref name="from"/> on, preceded by the one in force at <paramref name="from"/>.</summary>
    public LeaderChange[] Since(string group, DateTimeOffset from)
    {
        lock (_lock)
        {
            if (!_changes.TryGetValue(group, out var changes))
            {
                return [];
            }
            var first = Math.Max(0, changes.FindLastIndex(c => c.At <= from));
            return changes.Skip(first).ToArray();
        }
    }
}
