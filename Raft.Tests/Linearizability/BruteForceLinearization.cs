using Raft.Simulation.Linearizability;

namespace Raft.Tests.Linearizability;

/// <summary>
/// An oracle for the linearizability checker that shares none of its search: it tries every order of the whole history
/// (no partitioning, no operations left out, no cache, no event list) in which an operation comes after every operation
/// that returned strictly before it was called, and steps the model through it. Exponential: for histories of a few
/// operations only. An operation with an unknown outcome is placed too (its model step is legal in any state), so "did
/// not happen" is the order that puts it last.
/// </summary>
internal static class BruteForceLinearization
{
    public static bool Exists<TState, TInput, TOutput>(Model<TState, TInput, TOutput> model, IReadOnlyList<Operation<TInput, TOutput>> history)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(history.Count, 10);
        return Extend(model, history, placed: new bool[history.Count], count: 0, model.Init());
    }

    private static bool Extend<TState, TInput, TOutput>(
        Model<TState, TInput, TOutput> model, IReadOnlyList<Operation<TInput, TOutput>> history, bool[] placed, int count, TState state)
    {
        if (count == history.Count)
        {
            return true;
        }
        for (var i = 0; i < history.Count; i++)
        {
            if (placed[i] || !EverythingBeforeItIsPlaced(history, placed, history[i]))
            {
                continue;
            }
            var (legal, next) = model.Step(state, history[i].Input, history[i].Output);
            if (!legal)
            {
                continue;
            }
            placed[i] = true;
            var found = Extend(model, history, placed, count + 1, next);
            placed[i] = false;
            if (found)
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>Real-time order: an operation that returned strictly before <paramref name="op"/>'s call must precede it (equal times overlap).</summary>
    private static bool EverythingBeforeItIsPlaced<TInput, TOutput>(IReadOnlyList<Operation<TInput, TOutput>> history, bool[] placed, Operation<TInput, TOutput> op)
    {
        for (var j = 0; j < history.Count; j++)
        {
            if (!placed[j] && history[j].Return < op.Call)
            {
                return false;
            }
        }
        return true;
    }
}
