namespace Raft.Simulation.Linearizability;

/// <summary>
/// The versioned key-value service, partitioned by key; the state is the key's (value, version), version 0 meaning
/// missing. The 2025 course's rules:
/// <list type="bullet">
/// <item>Get: <c>ErrNoKey</c> for a missing key, else <c>Ok</c> with exactly the current value and version.</item>
/// <item>PutIfVersion(v, ver) when ver equals the current version (0 on a missing key creates it): applies, version
/// becomes ver + 1, reply <c>Ok</c> (with that new version, when the reply reports one).</item>
/// <item>PutIfVersion(v, ver) otherwise: no effect; reply <c>ErrNoKey</c> if the key is missing (so ver &gt; 0),
/// <c>ErrVersion</c> if it exists (with exactly the current value and version, when the reply reports them).</item>
/// <item><c>ErrMaybe</c> (or an unknown outcome) is legal either way: at a point where the versions match the
/// put applied, anywhere else it did not. As in the course's model this is decided by the state at the
/// linearization point rather than by guessing, which loses nothing for a correct client: it only reports
/// ErrMaybe after a retransmission met a mismatching version, so a put that did not apply has such a point in
/// its interval. (An unknown outcome has an unbounded interval and can always go last.)</item>
/// </list>
/// And the rules of this repository's service (Raft.Grains KvStore), whose every write reports what it did:
/// <list type="bullet">
/// <item>Put(v): value v, version + 1; reply <c>Ok</c> with that version.</item>
/// <item>Append(s): value + s, version + 1 (a missing key counts as ""); reply <c>Ok</c> with the new value and version.</item>
/// <item>Delete: the key is missing again (version 0), so versions start over at 1; reply <c>Ok</c>.</item>
/// </list>
/// An unknown outcome is legal in any state and applies the operation's effect.
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

            case VersionedKvOp.PutIfVersion:
                var matches = input.Version == state.Version;
                var next = matches ? new VersionedValue(input.Value, state.Version + 1) : state;
                if (output.IsUnknown || output.Err == VersionedKvErr.ErrMaybe)
                {
                    return (true, next);
                }
                var expected = matches ? VersionedKvErr.Ok : state.Exists ? VersionedKvErr.ErrVersion : VersionedKvErr.ErrNoKey;
                // Version 0: the reply reports no version (the course's service); otherwise it is the key's after the put.
                var reported = output.Version == 0 || (output.Version == next.Version && (matches || output.Value == next.Value));
                return (output.Err == expected && reported, next);

            case VersionedKvOp.Put:
                var written = new VersionedValue(input.Value, state.Version + 1);
                return (output.IsUnknown || (output.Err == VersionedKvErr.Ok && output.Version == written.Version), written);

            case VersionedKvOp.Append:
                var appended = new VersionedValue(state.Value + input.Value, state.Version + 1);
                return (output.IsUnknown || (output.Err == VersionedKvErr.Ok && output.Value == appended.Value && output.Version == appended.Version), appended);

            case VersionedKvOp.Delete:
                return (output.IsUnknown || output.Err == VersionedKvErr.Ok, VersionedValue.Missing);

            default:
                throw new ArgumentOutOfRangeException(nameof(input), input.Op, "Unknown versioned KV operation.");
        }
    }

    public override IReadOnlyList<HistoryPartition<VersionedKvInput, VersionedKvOutput>> Partition(
        IReadOnlyList<Operation<VersionedKvInput, VersionedKvOutput>> history) =>
        HistoryPartition<VersionedKvInput, VersionedKvOutput>.ByKey(history, input => input.Key);

    /// <summary>
    /// Leaves out unknown-outcome operations (unknown output, interval without end) that cannot matter: every Get (always
    /// legal, changes nothing), and, on a key that only ever sees Get and Append, an Append of a non-empty value that no
    /// known output (a Get's or an Append's value) contains. Sound for the latter: if it applied at some point, every
    /// later state contains its value (only appends follow), so every known Get or Append placed after it would show
    /// the value; none does, so only unknown-outcome operations, legal in any state, follow it, and it may as well go
    /// last, which is the same as leaving it out. Where a Put, conditional put or Delete can come after it, a later
    /// version can count it even though no value shows it, so it stays. Without this, a dozen unknown appends to one
    /// key make the search try them in every order (see <see cref="KvModel.OperationsToSearch"/>).
    /// </summary>
    public override IReadOnlyList<Operation<VersionedKvInput, VersionedKvOutput>> OperationsToSearch(
        IReadOnlyList<Operation<VersionedKvInput, VersionedKvOutput>> partition)
    {
        var appendOnly = partition.All(op => op.Input.Op is VersionedKvOp.Get or VersionedKvOp.Append);
        var observed = partition
            .Where(op => !op.Output.IsUnknown && op.Output.Err == VersionedKvErr.Ok && op.Input.Op is VersionedKvOp.Get or VersionedKvOp.Append)
            .Select(op => op.Output.Value)
            .ToArray();
        bool Unobserved(Operation<VersionedKvInput, VersionedKvOutput> op) => op.Output.IsUnknown && op.HasUnknownReturn && op.Input.Op switch
        {
            VersionedKvOp.Get => true,
            VersionedKvOp.Append => appendOnly && op.Input.Value.Length > 0 &&
                !observed.Any(value => value.Contains(op.Input.Value, StringComparison.Ordinal)),
            _ => false,
        };
        var kept = partition.Where(op => !Unobserved(op)).ToArray();
        return kept.Length == partition.Count ? partition : kept;
    }

    public override string DescribeOperation(VersionedKvInput input, VersionedKvOutput output)
    {
        var call = input.Op switch
        {
            VersionedKvOp.Get or VersionedKvOp.Delete => $"{input.Op}(\"{input.Key}\")",
            VersionedKvOp.PutIfVersion => $"PutIfVersion(\"{input.Key}\", {ValueText.Quote(input.Value)}, v{input.Version})",
            _ => $"{input.Op}(\"{input.Key}\", {ValueText.Quote(input.Value)})",
        };
        if (output.IsUnknown)
        {
            return call + " -> ? (outcome unknown)";
        }
        if (output.Version == 0)
        {
            return $"{call} -> {output.Err}";
        }
        if (input.Op == VersionedKvOp.Get)
        {
            return $"{call} -> {ValueText.Quote(output.Value)} v{output.Version}";
        }
        return input.Op == VersionedKvOp.Append || output.Err == VersionedKvErr.ErrVersion
            ? $"{call} -> {output.Err} {ValueText.Quote(output.Value)} v{output.Version}"
            : $"{call} -> {output.Err} v{output.Version}";
    }

    public override string DescribeState(VersionedValue state) =>
        state.Exists ? $"{ValueText.Quote(state.Value)} v{state.Version}" : "(missing)";
}
