namespace Raft.Simulation.Explorer;

/// <summary>
/// How much one exploration exercised: client operations, acknowledged appends, terms won (from the peers' logs), applies,
/// and the compare-and-sets (conditional puts) the service answered, applied or refused.
/// </summary>
public sealed record ExplorationStatistics(int Operations, int AcknowledgedAppends, int ElectedTerms, long Applies, long HighestAppliedIndex)
{
    public int CompareAndSetsApplied { get; init; }

    public int CompareAndSetsRefused { get; init; }

    /// <summary>Operations that returned in the instant they were called (none, with messages that take time).</summary>
    public int ZeroLengthOperations { get; init; }

    /// <summary>Pairs of operations of different clients on one key where one returned in the instant the other was called.</summary>
    public int TiedReturns { get; init; }

    public override string ToString() =>
        $"{Operations} operations, {AcknowledgedAppends} acknowledged appends, {CompareAndSetsApplied} compare-and-sets applied and " +
        $"{CompareAndSetsRefused} refused, {ElectedTerms} terms with a leader, {Applies} applies up to index {HighestAppliedIndex}";
}
