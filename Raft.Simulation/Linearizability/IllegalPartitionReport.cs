using System.Text;

namespace Raft.Simulation.Linearizability;

/// <summary>
/// Explains why a partition has no linearization: replays the longest linearizable prefix the search reached,
/// then lists the operations that could come next and why each fails from there.
/// </summary>
internal sealed class IllegalPartitionReport<TState, TInput, TOutput>
{
    /// <summary>At most this many prefix lines are printed (the last ones, nearest the failure).</summary>
    private const int MaxPrefixLines = 20;

    private const int MaxStuckLines = 20;

    private readonly Model<TState, TInput, TOutput> _model;
    private readonly HistoryPartition<TInput, TOutput> _partition;
    private readonly long _origin;

    public IllegalPartitionReport(Model<TState, TInput, TOutput> model, HistoryPartition<TInput, TOutput> partition, int[] longestPrefix)
    {
        _model = model;
        _partition = partition;
        var ops = partition.Operations;
        _origin = ops.Count == 0 ? 0 : ops.Min(o => o.Call);
        Prefix = longestPrefix.Select(i => ops[i]).ToArray();

        var inPrefix = new bool[ops.Count];
        foreach (var i in longestPrefix)
        {
            inPrefix[i] = true;
        }
        var remaining = Enumerable.Range(0, ops.Count).Where(i => !inPrefix[i]).ToArray();
        EarliestPendingReturn = remaining.Length == 0 ? long.MaxValue : remaining.Min(i => ops[i].Return);
        // Calls sort before returns at equal times, so an operation called at that very instant is a candidate.
        Stuck = remaining
            .Where(i => ops[i].Call <= EarliestPendingReturn)
            .Select(i => ops[i])
            .OrderBy(o => o.Call)
            .ThenBy(o => o.ClientId)
            .ToArray();
    }

    public IReadOnlyList<Operation<TInput, TOutput>> Prefix { get; }

    public IReadOnlyList<Operation<TInput, TOutput>> Stuck { get; }

    private long EarliestPendingReturn { get; }

    public string Render()
    {
        var text = new StringBuilder();
        var ops = _partition.Operations;
        var where = _partition.Key.Length == 0 ? "the history" : $"partition \"{_partition.Key}\"";
        text.Append($"Not linearizable: {where} ({ops.Count} operations, {ops.Select(o => o.ClientId).Distinct().Count()} clients) has no linearization.\n");

        var states = new List<TState>(Prefix.Count + 1) { _model.Init() };
        foreach (var op in Prefix)
        {
            states.Add(_model.Step(states[^1], op.Input, op.Output).Next);
        }
        var final = states[^1];
        text.Append($"Longest linearizable prefix found: {Prefix.Count} of {ops.Count} operations, ending in state {_model.DescribeState(final)}.\n");
        text.Append("Times are relative to the partition's first call, in timestamp ticks; '?' = outcome unknown (no return).\n");

        if (Prefix.Count > 0)
        {
            text.Append("Prefix, in linearization order (operation => state after it):\n");
            var first = Math.Max(0, Prefix.Count - MaxPrefixLines);
            if (first > 0)
            {
                text.Append($"  ... {first} earlier operations\n");
            }
            for (var k = first; k < Prefix.Count; k++)
            {
                text.Append($"  {Line(Prefix[k])}  => {_model.DescribeState(states[k + 1])}\n");
            }
        }

        var pending = EarliestPendingReturn == long.MaxValue ? "?" : $"+{EarliestPendingReturn - _origin}";
        text.Append($"None of the operations that could come next (called by the earliest pending return, {pending}) leads to a linearization:\n");
        foreach (var op in Stuck.Take(MaxStuckLines))
        {
            var legal = _model.Step(final, op.Input, op.Output).Legal;
            var why = legal
                ? "legal here, but no linearization of the rest follows"
                : $"illegal in state {_model.DescribeState(final)}";
            text.Append($"  {Line(op)}  : {why}\n");
        }
        if (Stuck.Count > MaxStuckLines)
        {
            text.Append($"  ... {Stuck.Count - MaxStuckLines} more\n");
        }
        return text.ToString();
    }

    private string Line(Operation<TInput, TOutput> op)
    {
        var ret = op.HasUnknownReturn ? "?" : $"+{op.Return - _origin}";
        return $"client {op.ClientId,-3} [+{op.Call - _origin}, {ret}]  {_model.DescribeOperation(op.Input, op.Output)}";
    }
}
