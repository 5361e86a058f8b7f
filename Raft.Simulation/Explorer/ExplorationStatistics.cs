namespace Raft.Simulation.Explorer;

/// <summary>
/// How much one exploration exercised: client operations, acknowledged appends, terms won (from the peers' logs), applies,
/// and the compare-and-sets (conditional puts) the service answered, applied or refused.
/// </summary>
public sealed record ExplorationStatistics(int Operations, int AcknowledgedAppends, int ElectedTerms, long Applies, long HighestAppliedIndex)
{
    public int CompareAndSetsApplied { get; init; }

    public int CompareAndSetsRefused { get; init; }

    public override string ToString() =>
        $"{Operations} operations, {AcknowledgedAppends} acknowledged appends, {CompareAndSetsApplied} compare-and-sets applied and " +
        $"{CompareAndSetsRefused} refused, {ElectedTerms} terms with a leader, {Applies} applies up to index {HighestAppliedIndex}";
}
