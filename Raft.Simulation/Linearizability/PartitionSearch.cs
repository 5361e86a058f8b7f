namespace Raft.Simulation.Linearizability;

/// <summary>How the search of one partition ended.</summary>
internal enum SearchOutcome
{
    Linearizable,
    NotLinearizable,
    /// <summary>The search took its whole step budget without a verdict.</summary>
    BudgetExhausted,
}

/// <summary>
/// The result of searching one partition. <see cref="LongestPrefix"/> is the longest sequence of operations
/// (indices into the partition) the search managed to linearize, in linearization order.
/// </summary>
internal sealed record SearchResult(SearchOutcome Outcome, int[] LongestPrefix, long Steps, int CacheEntries);

/// <summary>
/// The Wing–Gong–Lowe search over one partition (Porcupine's checkSingle): walk the event list; at a call,
/// try to linearize that operation now (legal step whose (linearized set, state) pair is new: push, lift its
/// call and return out of the list, restart from the head); at a return, the operation returning there was
/// not linearized before it, so undo the last choice (pop, restore the state, unlift) and try the next call
/// after it. An empty list means every operation was linearized; backtracking past an empty stack means no
/// linearization exists. One pass of the loop (try a call, or backtrack at a return) is one step; the budget counts
/// steps rather than time so that a verdict does not depend on how loaded the machine is.
/// </summary>
internal static class PartitionSearch
{
    public static SearchResult Run<TState, TInput, TOutput>(
        Model<TState, TInput, TOutput> model,
        IReadOnlyList<Operation<TInput, TOutput>> operations,
        long maxSteps)
    {
        var n = operations.Count;
        var calls = new long[n];
        var returns = new long[n];
        for (var i = 0; i < n; i++)
        {
            calls[i] = operations[i].Call;
            returns[i] = operations[i].Return;
        }
        var list = EventList.Build(calls, returns);
        var linearized = new BitSet(n);
        var cache = new StateCache<TState>(model.StateComparer);
        var stack = new Frame<TState>[n];
        var depth = 0;
        var state = model.Init();

        // The longest prefix so far; `agree` counts the leading stack entries equal to it, so recording a
        // new longest prefix copies only the part that changed.
        var longest = new int[n];
        var longestLength = 0;
        var agree = 0;

        long steps = 0;
        var node = list.First;
        while (!list.IsEmpty)
        {
            if (steps == maxSteps)
            {
                return new SearchResult(SearchOutcome.BudgetExhausted, longest[..longestLength], steps, cache.Count);
            }
            steps++;

            if (list.IsCall(node))
            {
                var op = list.Operation(node);
                var (legal, next) = model.Step(state, operations[op].Input, operations[op].Output);
                if (legal)
                {
                    linearized.Set(op);
                    if (cache.TryAdd(linearized, next))
                    {
                        if (agree == depth && depth < longestLength && longest[depth] == op)
                        {
                            agree++;
                        }
                        stack[depth++] = new Frame<TState>(node, state);
                        state = next;
                        list.Lift(node);
                        if (depth > longestLength)
                        {
                            for (var k = agree; k < depth; k++)
                            {
                                longest[k] = list.Operation(stack[k].CallNode);
                            }
                            longestLength = depth;
                            agree = depth;
                        }
                        node = list.First;
                        continue;
                    }
                    linearized.Clear(op);
                }
                node = list.Next(node);
            }
            else
            {
                if (depth == 0)
                {
                    return new SearchResult(SearchOutcome.NotLinearizable, longest[..longestLength], steps, cache.Count);
                }
                var frame = stack[--depth];
                stack[depth] = default;
                agree = Math.Min(agree, depth);
                state = frame.PriorState;
                linearized.Clear(list.Operation(frame.CallNode));
                list.Unlift(frame.CallNode);
                node = list.Next(frame.CallNode);
            }
        }
        return new SearchResult(SearchOutcome.Linearizable, longest[..longestLength], steps, cache.Count);
    }

    private readonly record struct Frame<TState>(int CallNode, TState PriorState);
}
