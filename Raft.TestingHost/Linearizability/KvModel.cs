namespace Raft.TestingHost.Linearizability;

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
