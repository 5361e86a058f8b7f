using System.Diagnostics;

namespace Raft.Simulation.Linearizability;

/// <summary>
/// Decides whether a concurrent history is linearizable with respect to a <see cref="Model{TState, TInput, TOutput}"/>:
/// Porcupine's algorithm (Wing and Gong's search with Lowe's memoisation) applied to each partition of the
/// history in turn, under one shared deadline. Deterministic: same history, same verdict and report (up to
/// the deadline).
/// </summary>
public static class LinearizabilityChecker
{
    /// <summary>
    /// Checks <paramref name="history"/>. Returns <see cref="CheckOutcome.Illegal"/> for the first partition
    /// without a linearization, <see cref="CheckOutcome.Unknown"/> when <paramref name="timeout"/> (shared by
    /// all partitions; <see cref="Timeout.InfiniteTimeSpan"/> for none) expires before a verdict, otherwise
    /// <see cref="CheckOutcome.Ok"/>. The deadline is polled every thousand or so search steps.
    /// </summary>
    /// <exception cref="ArgumentException">An operation is null or returns before it is called.</exception>
    public static CheckResult<TInput, TOutput> Check<TState, TInput, TOutput>(
        Model<TState, TInput, TOutput> model,
        IReadOnlyList<Operation<TInput, TOutput>> history,
        TimeSpan timeout)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(history);
        if (timeout < TimeSpan.Zero && timeout != Timeout.InfiniteTimeSpan)
        {
            throw new ArgumentOutOfRangeException(nameof(timeout), timeout, "Must be non-negative or Timeout.InfiniteTimeSpan.");
        }
        for (var i = 0; i < history.Count; i++)
        {
            var op = history[i] ?? throw new ArgumentException($"Operation {i} is null.", nameof(history));
            if (op.Return < op.Call)
            {
                throw new ArgumentException($"Operation {i} (client {op.ClientId}) returns at {op.Return}, before its call at {op.Call}.", nameof(history));
            }
        }

        var start = Stopwatch.GetTimestamp();
        var deadline = Deadline(start, timeout);
        var partitions = model.Partition(history);
        var checkedCount = 0;
        var leftOut = 0;
        foreach (var whole in partitions)
        {
            var operations = model.OperationsToSearch(whole.Operations);
            var leftOutHere = whole.Operations.Count - operations.Count;
            leftOut += leftOutHere;
            var leftOutNote = leftOutHere == 0
                ? ""
                : $" {leftOutHere} operations of this partition with unknown outcomes that nothing observed were left out of its search (and of this report).";
            var partition = operations.Count == whole.Operations.Count ? whole : whole with { Operations = operations };
            var search = PartitionSearch.Run(model, partition.Operations, deadline);
            switch (search.Outcome)
            {
                case SearchOutcome.Linearizable:
                    checkedCount++;
                    continue;
                case SearchOutcome.NotLinearizable:
                    checkedCount++;
                    var report = new IllegalPartitionReport<TState, TInput, TOutput>(model, partition, search.LongestPrefix);
                    return new CheckResult<TInput, TOutput>(
                        CheckOutcome.Illegal, report.Render() + leftOutNote, Stopwatch.GetElapsedTime(start), partitions.Count, checkedCount,
                        partition, report.Prefix, report.Stuck);
                default:
                    var where = partition.Key.Length == 0 ? "" : $" in partition \"{partition.Key}\"";
                    return new CheckResult<TInput, TOutput>(
                        CheckOutcome.Unknown,
                        $"Unknown: the check timed out after {timeout.TotalMilliseconds:F0} ms{where}; {checkedCount} of {partitions.Count} partitions were checked and are linearizable." + leftOutNote,
                        Stopwatch.GetElapsedTime(start), partitions.Count, checkedCount);
            }
        }
        var elapsed = Stopwatch.GetElapsedTime(start);
        return new CheckResult<TInput, TOutput>(
            CheckOutcome.Ok,
            $"Linearizable: {history.Count} operations in {partitions.Count} partitions, checked in {elapsed.TotalMilliseconds:F0} ms" +
            (leftOut > 0 ? $" ({leftOut} with unknown outcomes that nothing observed left out)." : "."),
            elapsed, partitions.Count, checkedCount);
    }

    private static long Deadline(long start, TimeSpan timeout)
    {
        if (timeout == Timeout.InfiniteTimeSpan)
        {
            return long.MaxValue;
        }
        var ticks = timeout.TotalSeconds * Stopwatch.Frequency;
        return ticks >= long.MaxValue - start ? long.MaxValue : start + (long)ticks;
    }
}
