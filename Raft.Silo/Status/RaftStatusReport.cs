using Raft.Grains.Interfaces;

namespace Raft.Silo;

/// <summary>What /raft/status.json returns: every configured group as this silo last saw it.</summary>
public sealed record RaftStatusReport(DateTimeOffset GeneratedAt, GroupReport[] Groups);

/// <summary>
/// One group: each peer's reading (its status, or the error that made it unreachable), the leader of the highest term
/// any reachable peer reports (null when none), and the leader changes seen in the timeline window.
/// </summary>
public sealed record GroupReport(string Group, string? Leader, long Term, PeerStatusReading[] Peers, LeaderChange[] LeaderChanges);

/// <summary>From <paramref name="At"/> on, the group's leader was <paramref name="Leader"/> in <paramref name="Term"/> (null: none seen).</summary>
public sealed record LeaderChange(DateTimeOffset At, long Term, string? Leader);
