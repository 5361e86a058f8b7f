using System.Diagnostics;
using System.Globalization;

namespace Raft.Simulation.Linearizability;

/// <summary>
/// Decides whether a concurrent history is linearizable with respect to a <see cref="Model{TState, TInput, TOutput}"/>:
/// Porcupine's algorithm (Wing and Gong's search with Lowe's memoisation) applied to each partition of the
/// history in turn, under one shared budget of search steps. Deterministic: same history and budget, same verdict
/// and report, however loaded the machine.
/// </summary>
public static class LinearizabilityChecker
{
    /// <summary>
    /// The step budget of <see cref="Check{TState, TInput, TOutput}(Model{TState, TInput, TOutput}, IReadOnlyList{Operation{TInput, TOutput}})"/>:
    /// 20 million steps, about 5 s of search on the shared 2-core machine (4 million steps a second on the hardest
    /// history of CheckBudgetTests). Measured on 2026-12-07, the biggest check of the fault explorer's CI range
    /// (seeds 1..500) took 3,500 steps and that of the simulated KV tests 6,675 steps, thousands of times less
    /// (docs/simulation.md, "The checker's budget"): a check that uses the whole budget is a history of another kind,
    /// which a test must report, not pass.
    /// </summary>
    public const long DefaultMaxSteps = 20_000_000;

    /// <summary>A budget that never runs out: the check always ends with a verdict (or never ends).</summary>
    public const long UnlimitedSteps = long.MaxValue;

    /// <summary>Checks <paramref name="history"/> within <see cref="DefaultMaxSteps"/> search steps.</summary>
    public static CheckResult<TInput, TOutput> Check<TState, TInput, TOutput>(
        Model<TState, TInput, TOutput> model,
        IReadOnlyList<Operation<TInput, TOutput>> history) =>
        Check(model, history, DefaultMaxSteps);

    /// <summary>
    /// Checks <paramref name="history"/>. Returns <see cref="CheckOutcome.Illegal"/> for the first partition
    /// without a linearization, <see cref="CheckOutcome.Unknown"/> when the search has taken <paramref name="maxSteps"/>
    /// steps (shared by all partitions; <see cref="UnlimitedSteps"/> for no limit) before a verdict, otherwise
    /// <see cref="CheckOutcome.Ok"/>.
    /// </summary>
    /// <exception cref="ArgumentException">An operation is null or returns before it is called.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxSteps"/> is below one.</exception>
    public static CheckResult<TInput, TOutput> Check<TState, TInput, TOutput>(
        Model<TState, TInput, TOutput> model,
        IReadOnlyList<Operation<TInput, TOutput>> history,
        long maxSteps)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(history);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxSteps, 1);
        for (var i = 0; i < history.Count; i++)
        {
            var op = history[i] ?? throw new ArgumentException($"Operation {i} is null.", nameof(history));
            if (op.Return < op.Call)
            {
                throw new ArgumentException($"Operation {i} (client {op.ClientId}) returns at {op.Return}, before its call at {op.Call}.", nameof(history));
            }
        }

        var start = Stopwatch.GetTimestamp();
        var partitions = model.Partition(history);
        var checkedCount = 0;
        var leftOut = 0;
        long steps = 0;
        foreach (var whole in partitions)
        {
            var operations = model.OperationsToSearch(whole.Operations);
            var leftOutHere = whole.Operations.Count - operations.Count;
            leftOut += leftOutHere;
            var leftOutNote = leftOutHere == 0
                ? ""
                : $" {leftOutHere} operations of this partition with unknown outcomes that nothing observed were left out of its search (and of this report).";
            var partition = operations.Count == whole.Operations.Count ? whole : whole with { Operations = operations };
            var search = PartitionSearch.Run(model, partition.Operations, maxSteps - steps);
            steps += search.Steps;
            var budget = new CheckBudget(steps, maxSteps, history.Count);
            switch (search.Outcome)
            {
                case SearchOutcome.Linearizable:
                    checkedCount++;
                    continue;
                case SearchOutcome.NotLinearizable:
                    checkedCount++;
                    var report = new IllegalPartitionReport<TState, TInput, TOutput>(model, partition, search.LongestPrefix);
                    return new CheckResult<TInput, TOutput>(
                        CheckOutcome.Illegal, report.Render() + leftOutNote, Stopwatch.GetElapsedTime(start), partitions.Count, checkedCount, budget,
                        partition, report.Prefix, report.Stuck);
                default:
                    var where = partition.Key.Length == 0 ? "the history" : $"partition \"{partition.Key}\"";
                    return new CheckResult<TInput, TOutput>(
                        CheckOutcome.Unknown,
                        string.Create(CultureInfo.InvariantCulture, $"Unknown (inconclusive, not a pass): the search used its whole budget of {maxSteps:N0} steps " +
                        $"({search.Steps:N0} of them in {where}, {partition.Operations.Count} operations) without a verdict; " +
                        $"{checkedCount} of {partitions.Count} partitions, out of {history.Count} operations in all, were checked and are linearizable.") + leftOutNote,
                        Stopwatch.GetElapsedTime(start), partitions.Count, checkedCount, budget, partition);
            }
        }
        var elapsed = Stopwatch.GetElapsedTime(start);
        return new CheckResult<TInput, TOutput>(
            CheckOutcome.Ok,
            string.Create(CultureInfo.InvariantCulture, $"Linearizable: {history.Count} operations in {partitions.Count} partitions, checked in {steps:N0} steps ({elapsed.TotalMilliseconds:F0} ms)") +
            (leftOut > 0 ? $" ({leftOut} with unknown outcomes that nothing observed left out)." : "."),
            elapsed, partitions.Count, checkedCount, new CheckBudget(steps, maxSteps, history.Count));
    }
}
