namespace Raft.Simulation.Linearizability;

/// <summary>
/// The sequential specification of an object, as the checker needs it (Porcupine's Model).
/// </summary>
/// <remarks>
/// <para><typeparamref name="TState"/> must be immutable: the checker keeps earlier states on its backtracking
/// stack and in its cache, and <see cref="Step"/> must return a new state rather than modify its argument.
/// States are compared with <see cref="StateComparer"/> (default: <see cref="EqualityComparer{T}.Default"/>), so a
/// string, a record, a record struct or a value tuple of such works as is; anything else overrides it.</para>
/// <para><see cref="Step"/> must be deterministic: one input, output and state give one answer.</para>
/// </remarks>
public abstract class Model<TState, TInput, TOutput>
{
    /// <summary>The state before any operation.</summary>
    public abstract TState Init();

    /// <summary>
    /// Whether the operation (<paramref name="input"/> answered with <paramref name="output"/>) may take effect
    /// atomically in <paramref name="state"/>, and the state after it. <c>Next</c> is ignored when not legal.
    /// </summary>
    public abstract (bool Legal, TState Next) Step(TState state, TInput input, TOutput output);

    /// <summary>
    /// Splits a history into independently checkable parts (by key). The default keeps one partition with an
    /// empty key. Partitions are checked in the order returned; keep it deterministic.
    /// </summary>
    public virtual IReadOnlyList<HistoryPartition<TInput, TOutput>> Partition(IReadOnlyList<Operation<TInput, TOutput>> history) =>
        [new HistoryPartition<TInput, TOutput>("", history)];

    /// <summary>
    /// The operations of one partition the search needs: a model may leave out operations whose presence cannot change
    /// the verdict (an unknown outcome nothing observed, say), which the search would otherwise try at every point
    /// after their call. Must be sound: the partition is linearizable if and only if what is returned is. The default
    /// keeps every operation.
    /// </summary>
    public virtual IReadOnlyList<Operation<TInput, TOutput>> OperationsToSearch(IReadOnlyList<Operation<TInput, TOutput>> partition) =>
        partition;

    /// <summary>Equality and hashing of states for the search cache.</summary>
    public virtual IEqualityComparer<TState> StateComparer => EqualityComparer<TState>.Default;

    /// <summary>One operation as text, for results: e.g. <c>Get("x") -> "1"</c>.</summary>
    public virtual string DescribeOperation(TInput input, TOutput output) => $"{input} -> {output}";

    /// <summary>One state as text, for results.</summary>
    public virtual string DescribeState(TState state) => state?.ToString() ?? "null";
}
