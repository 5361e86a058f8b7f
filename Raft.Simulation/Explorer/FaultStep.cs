namespace Raft.Simulation.Explorer;

/// <summary>
/// One fault of a schedule: what happens, when (virtual time since the group started), and to whom.
/// <paramref name="Peer"/> is a member index for single-peer faults; <paramref name="Side"/> says, for a
/// partition, which side each peer (then each client) is on.
/// </summary>
public sealed record FaultStep(TimeSpan At, FaultKind Kind, int Peer = -1, IReadOnlyList<bool>? Side = null)
{
    public override string ToString()
    {
        var at = $"+{At.TotalSeconds:0.000}s";
        return Kind switch
        {
            FaultKind.Disconnect or FaultKind.Reconnect or FaultKind.Crash or FaultKind.Restart or FaultKind.CrashAfterReply => $"{at} {Kind} peer {Peer}",
            FaultKind.Partition when Side is not null => $"{at} {Kind} {string.Concat(Side.Select(s => s ? 'A' : 'B'))} (peers, then clients)",
            _ => $"{at} {Kind}",
        };
    }
}
