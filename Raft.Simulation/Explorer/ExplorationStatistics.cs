namespace Raft.Simulation.Explorer;

/// <summary>How much one exploration exercised: client operations, acknowledged appends, terms won (from the peers' logs), applies.</summary>
public sealed record ExplorationStatistics(int Operations, int AcknowledgedAppends, int ElectedTerms, long Applies, long HighestAppliedIndex)
{
    public override string ToString() =>
        $"{Operations} operations, {AcknowledgedAppends} acknowledged appends, {ElectedTerms} terms with a leader, {Applies} applies up to index {HighestAppliedIndex}";
}
