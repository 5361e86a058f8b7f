namespace Raft.Simulation.Linearizability;

/// <summary>
/// The versioned key-value service of the 2025 labs, partitioned by key; the state is the key's
/// (value, version), version 0 meaning missing. Lab rules:
/// <list type="bullet">
/// <item>Get: <c>ErrNoKey</c> for a missing key, else <c>Ok</c> with exactly the current value and version.</item>
/// <item>Put(v, ver) when ver equals the current version (0 on a missing key creates it): applies, version
/// becomes ver + 1, reply <c>Ok</c>.</item>
/// <item>Put(v, ver) otherwise: no effect; reply <c>ErrNoKey</c> if the key is missing (so ver &gt; 0),
/// <c>ErrVersion</c> if it exists.</item>
/// <item><c>ErrMaybe</c> (or an unknown outcome) is legal either way: at a point where the versions match the
/// put applied, anywhere else it did not. As in the course's model this is decided by the state at the
/// linearization point rather than by guessing, which loses nothing for a correct client: it only reports
/// ErrMaybe after a retransmission met a mismatching version, so a put that did not apply has such a point in
/// its interval. (An unknown outcome has an unbounded interval and can always go last.)</item>
/// </list>
/// </summary>
public sealed class VersionedKvModel : Model<VersionedValue, VersionedKvInput, VersionedKvOutput>
{
    public static VersionedKvModel Instance { get; } = new();

    public override VersionedValue Init() => VersionedValue.Missing;

    public override (bool Legal, VersionedValue Next) Step(VersionedValue state, VersionedKvInput input, VersionedKvOutput output)
    {
        switch (input.Op)
        {
            case VersionedKvOp.Get:
                if (output.IsUnknown)
                {
                    return (true, state);
                }
                var read = state.Exists
                    ? output.Err == VersionedKvErr.Ok && output.Value == state.Value && output.Version == state.Version
                    : output.Err == VersionedKvErr.ErrNoKey;
                return (read, state);

            case VersionedKvOp.Put:
                var matches = input.Version == state.Version;
                var next = matches ? new VersionedValue(input.Value, state.Version + 1) : state;
                if (output.IsUnknown || output.Err == VersionedKvErr.ErrMaybe)
                {
                    return (true, next);
                }
                var expected = matches ? VersionedKvErr.Ok : state.Exists ? VersionedKvErr.ErrVersion : VersionedKvErr.ErrNoKey;
                return (output.Err == expected, next);

            default:
                throw new ArgumentOutOfRangeException(nameof(input), input.Op, "Unknown versioned KV operation.");
        }
    }

    public override IReadOnlyList<HistoryPartition<VersionedKvInput, VersionedKvOutput>> Partition(
        IReadOnlyList<Operation<VersionedKvInput, VersionedKvOutput>> history) =>
        HistoryPartition<VersionedKvInput, VersionedKvOutput>.ByKey(history, input => input.Key);

    public override string DescribeOperation(VersionedKvInput input, VersionedKvOutput output)
    {
        var call = input.Op == VersionedKvOp.Get
            ? $"Get(\"{input.Key}\")"
            : $"Put(\"{input.Key}\", {ValueText.Quote(input.Value)}, v{input.Version})";
        if (output.IsUnknown)
        {
            return call + " -> ? (outcome unknown)";
        }
        return input.Op == VersionedKvOp.Get && output.Err == VersionedKvErr.Ok
            ? $"{call} -> {ValueText.Quote(output.Value)} v{output.Version}"
            : $"{call} -> {output.Err}";
    }

    public override string DescribeState(VersionedValue state) =>
        state.Exists ? $"{ValueText.Quote(state.Value)} v{state.Version}" : "(missing)";
}
