namespace Raft.Simulation.Linearizability;

/// <summary>
/// The string key-value service of the 2024 labs, partitioned by key; the state is the key's value ("" when
/// missing or deleted). Get(key) must return the current value; Put replaces it; Append concatenates (and
/// when the reply carries the old value, it must match); Delete makes it "". An unknown-outcome operation is
/// always legal (a Get leaves the state, a write applies its effect: placed after every other operation it
/// is unobservable, which covers "did not happen").
/// </summary>
public sealed class KvModel : Model<string, KvInput, KvOutput>
{
    public static KvModel Instance { get; } = new();

    public override string Init() => "";

    public override (bool Legal, string Next) Step(string state, KvInput input, KvOutput output) => input.Op switch
    {
        KvOp.Get => (output.IsUnknown || (output.Value ?? "") == state, state),
        KvOp.Put => (true, input.Value),
        KvOp.Append => (output.IsUnknown || output.Value is null || output.Value == state, state + input.Value),
        KvOp.Delete => (true, ""),
        _ => throw new ArgumentOutOfRangeException(nameof(input), input.Op, "Unknown KV operation."),
    };

    public override IReadOnlyList<HistoryPartition<KvInput, KvOutput>> Partition(IReadOnlyList<Operation<KvInput, KvOutput>> history) =>
        HistoryPartition<KvInput, KvOutput>.ByKey(history, input => input.Key);

    /// <summary>
    /// Leaves out unknown-outcome operations (unknown output, interval without end) that nothing observed: a Get (always legal, changes nothing), and a Put or
    /// Append of a non-empty value that no known output (a Get's value, an Append's old value) contains. Sound: with
    /// such an operation u, a linearization of the rest plus u placed last (its interval never ends) is one of the
    /// whole; and in a linearization of the whole, every state from u up to the next Put or Delete contains u's value,
    /// so no operation there has an observing output, and removing u leaves every step legal (the states differ only
    /// inside that stretch). Without this, an unknown append makes the search try it at every later point: seed 4000 of
    /// the fault explorer (12 of them on one key) ran out of its 20 s; with it, 10 ms.
    /// </summary>
    public override IReadOnlyList<Operation<KvInput, KvOutput>> OperationsToSearch(IReadOnlyList<Operation<KvInput, KvOutput>> partition)
    {
        var observed = partition
            .Where(op => !op.Output.IsUnknown && (op.Input.Op == KvOp.Get || op.Output.Value is not null))
            .Select(op => op.Output.Value ?? "")
            .ToArray();
        // Only with an unbounded interval: an unknown output that returned at a known time must still fit before it.
        bool Unobserved(Operation<KvInput, KvOutput> op) => op.Output.IsUnknown && op.HasUnknownReturn && op.Input.Op switch
        {
            KvOp.Get => true,
            KvOp.Put or KvOp.Append => op.Input.Value.Length > 0 && !observed.Any(value => value.Contains(op.Input.Value, StringComparison.Ordinal)),
            _ => false,
        };
        var kept = partition.Where(op => !Unobserved(op)).ToArray();
        return kept.Length == partition.Count ? partition : kept;
    }

    public override string DescribeOperation(KvInput input, KvOutput output)
    {
        var call = input.Op switch
        {
            KvOp.Get or KvOp.Delete => $"{input.Op}(\"{input.Key}\")",
            _ => $"{input.Op}(\"{input.Key}\", {ValueText.Quote(input.Value)})",
        };
        if (output.IsUnknown)
        {
            return call + " -> ? (outcome unknown)";
        }
        return input.Op switch
        {
            KvOp.Get => $"{call} -> {ValueText.Quote(output.Value ?? "")}",
            KvOp.Append when output.Value is not null => $"{call} -> old {ValueText.Quote(output.Value)}",
            _ => call,
        };
    }

    public override string DescribeState(string state) => ValueText.Quote(state);
}
