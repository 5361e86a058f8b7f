namespace Raft.Simulation.Linearizability;

/// <summary>
/// A sub-history the checker can decide on its own: for a key-value store, all operations on one key
/// (linearizability is local, Herlihy and Wing, so a history is linearizable iff every key's is).
/// </summary>
/// <param name="Key">Names the partition in results; empty when the model does not partition.</param>
/// <param name="Operations">The operations of this partition, in any order.</param>
public sealed record HistoryPartition<TInput, TOutput>(string Key, IReadOnlyList<Operation<TInput, TOutput>> Operations)
{
    /// <summary>
    /// Groups <paramref name="history"/> by <paramref name="keyOf"/>(input). Partitions come out sorted by key
    /// (ordinal) and keep the history's order inside, so checking is deterministic.
    /// </summary>
    public static IReadOnlyList<HistoryPartition<TInput, TOutput>> ByKey(
        IReadOnlyList<Operation<TInput, TOutput>> history, Func<TInput, string> keyOf)
    {
        ArgumentNullException.ThrowIfNull(history);
        ArgumentNullException.ThrowIfNull(keyOf);
        var groups = new Dictionary<string, List<Operation<TInput, TOutput>>>(StringComparer.Ordinal);
        foreach (var op in history)
        {
            var key = keyOf(op.Input);
            if (!groups.TryGetValue(key, out var list))
            {
                list = new List<Operation<TInput, TOutput>>();
                groups.Add(key, list);
            }
            list.Add(op);
        }
        return groups
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => new HistoryPartition<TInput, TOutput>(g.Key, g.Value))
            .ToArray();
    }
}
