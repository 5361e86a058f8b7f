namespace Raft.Simulation.Linearizability;

/// <summary>
/// What <see cref="LinearizabilityChecker.Check"/> found. For <see cref="CheckOutcome.Illegal"/> it names the
/// first partition (in the model's partition order) without a linearization, the longest linearizable prefix
/// of that partition the search reached, and the operations that could come next but could not be placed; for
/// <see cref="CheckOutcome.Unknown"/> it names the partition whose search used up the step budget.
/// <see cref="Description"/> renders all of it as text fit for an assertion message.
/// </summary>
public sealed class CheckResult<TInput, TOutput>
{
    internal CheckResult(
        CheckOutcome outcome,
        string description,
        TimeSpan elapsed,
        int partitionCount,
        int partitionsChecked,
        CheckBudget budget,
        HistoryPartition<TInput, TOutput>? partition = null,
        IReadOnlyList<Operation<TInput, TOutput>>? linearizablePrefix = null,
        IReadOnlyList<Operation<TInput, TOutput>>? stuckOperations = null)
    {
        Outcome = outcome;
        Description = description;
        Elapsed = elapsed;
        PartitionCount = partitionCount;
        PartitionsChecked = partitionsChecked;
        Budget = budget;
        Partition = partition;
        LinearizablePrefix = linearizablePrefix ?? [];
        StuckOperations = stuckOperations ?? [];
    }

    public CheckOutcome Outcome { get; }

    public bool IsOk => Outcome == CheckOutcome.Ok;

    public bool IsIllegal => Outcome == CheckOutcome.Illegal;

    /// <summary>Readable report: the verdict, and for an illegal history the partition, prefix and stuck operations.</summary>
    public string Description { get; }

    /// <summary>
    /// Search steps taken and the budget they were taken from. Reported for every verdict, so that a test can show how
    /// close its biggest history comes to the budget.
    /// </summary>
    public CheckBudget Budget { get; }

    /// <summary>Search steps the check took (<see cref="Budget"/>'s steps).</summary>
    public long Steps => Budget.Steps;

    /// <summary>Wall-clock time the check took, for information only: the verdict never depends on it.</summary>
    public TimeSpan Elapsed { get; }

    /// <summary>How many partitions the model split the history into.</summary>
    public int PartitionCount { get; }

    /// <summary>How many partitions were decided (linearizable, or the one found illegal).</summary>
    public int PartitionsChecked { get; }

    /// <summary>
    /// For <see cref="CheckOutcome.Illegal"/>: the partition without a linearization; for <see cref="CheckOutcome.Unknown"/>:
    /// the partition whose search ran out of steps; otherwise null.
    /// </summary>
    public HistoryPartition<TInput, TOutput>? Partition { get; }

    /// <summary>The key of <see cref="Partition"/> (the KV key); null when there is none.</summary>
    public string? PartitionKey => Partition?.Key;

    /// <summary>
    /// For <see cref="CheckOutcome.Illegal"/>: the longest sequence of the partition's operations the search
    /// could linearize, in linearization order. Empty otherwise.
    /// </summary>
    public IReadOnlyList<Operation<TInput, TOutput>> LinearizablePrefix { get; }

    /// <summary>
    /// For <see cref="CheckOutcome.Illegal"/>: the operations not in <see cref="LinearizablePrefix"/> that could
    /// have been linearized next (called no later than the earliest return still pending), none of which leads
    /// to a full linearization. Empty otherwise.
    /// </summary>
    public IReadOnlyList<Operation<TInput, TOutput>> StuckOperations { get; }

    public override string ToString() => Description;
}
