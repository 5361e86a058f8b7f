using Raft.Grains.Interfaces;
using Raft.Grains.Protocol;
using Raft.Runtime;
using Raft.Runtime.Storage;

namespace Raft.Grains;

/// <summary>
/// One peer's durable state as grain storage records (layout and crash-ordering argument: PERSISTENCE.md):
/// "raft-hardstate", "raft-manifest", "raft-snapshot" and the log in segment records "raft-log-{n}".
/// Turns a <see cref="PersistenceDelta"/> into the few record writes it needs and loads a <see cref="DurableState"/>
/// back on activation. Not thread-safe: the grain calls it from one flush at a time.
/// </summary>
internal sealed class RaftPeerStore
{
    public const string HardStateName = "raft-hardstate";
    public const string ManifestName = "raft-manifest";
    public const string SnapshotName = "raft-snapshot";

    private readonly string _peerId;
    private readonly IPersistentStateFactory _factory;
    private readonly IGrainContext _context;
    private readonly string _storageName;
    private readonly long _entriesPerSegment;
    private readonly IGrainStorageSerializer _serializer;
    private readonly IPersistentState<RaftHardStateRecord> _hardState;
    private readonly IPersistentState<RaftLogManifestRecord> _manifest;
    private readonly IPersistentState<RaftSnapshotRecord> _snapshot;

    /// <summary>The provider applies writes in issue order: a plan's writes are issued together (see ExecuteAsync).</summary>
    private readonly bool _issueTogether;

    // The segment records that exist in storage (after activation's repair), by segment number.
    private readonly SortedDictionary<long, IPersistentState<RaftLogSegmentRecord>> _segments = new();
    private readonly Dictionary<long, long> _segmentSizes = new();
    // Their sum, kept up to date: the state machine reads PersistedSize after every applied entry.
    private long _segmentBytes;
    private long _hardStateSize;
    private long _manifestSize;

    public RaftPeerStore(
        string peerId,
        IPersistentStateFactory factory,
        IGrainContext context,
        string storageName,
        int entriesPerSegment,
        IGrainStorageSerializer serializer)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(entriesPerSegment, 1);
        _peerId = peerId;
        _factory = factory;
        _context = context;
        _storageName = storageName;
        _entriesPerSegment = entriesPerSegment;
        _serializer = serializer;
        _hardState = Create<RaftHardStateRecord>(HardStateName);
        _manifest = Create<RaftLogManifestRecord>(ManifestName);
        _snapshot = Create<RaftSnapshotRecord>(SnapshotName);
        _issueTogether = factory.PreservesIssueOrder(storageName);
    }

    public static string SegmentName(long segment) => $"raft-log-{segment}";

    /// <summary>Encoded bytes of the hard state, manifest and log segment records (not the snapshot): 6.5840's RaftStateSize.</summary>
    public long PersistedSize => _hardStateSize + _manifestSize + _segmentBytes;

    /// <summary>Encoded bytes of the snapshot record.</summary>
    public long SnapshotSize { get; private set; }

    /// <summary>Record writes and clears issued since activation (for tests and status).</summary>
    public long RecordWrites { get; private set; }

    /// <summary>
    /// Reads every record, keeps the log segments that link up from the snapshot point and clears the rest
    /// (leftovers of a crash between two record writes). A record that fails its checksum throws
    /// <see cref="CorruptRecordException"/> naming the peer and the record.
    /// </summary>
    public async Task<DurableState> LoadAsync()
    {
        await ReadAsync(_manifest, ManifestName);
        await ReadAsync(_hardState, HardStateName);
        await ReadAsync(_snapshot, SnapshotName);
        _hardStateSize = _hardState.RecordExists ? Measure(_hardState.State) : 0;
        _manifestSize = _manifest.RecordExists ? Measure(_manifest.State) : 0;
        SnapshotSize = _snapshot.RecordExists ? Measure(_snapshot.State) : 0;

        var stored = new SortedDictionary<long, IPersistentState<RaftLogSegmentRecord>>();
        var range = StoredManifestRange();
        for (var segment = range.First; segment < range.End; segment++)
        {
            var state = Create<RaftLogSegmentRecord>(SegmentName(segment));
            await ReadAsync(state, SegmentName(segment));
            if (state.RecordExists)
            {
                Validate(segment, state.State);
                stored[segment] = state;
            }
        }

        RaftSnapshot? snapshot = _snapshot.RecordExists
            ? new RaftSnapshot(_snapshot.State.LastIncludedIndex, _snapshot.State.LastIncludedTerm, _snapshot.State.Data ?? [])
            : null;
        var (entries, chain) = LinkSegments(stored, snapshot?.Index ?? 0, snapshot?.Term ?? 0);

        // Repair: what is not part of the chain is a leftover of an interrupted write. Clear it, then fit the manifest.
        foreach (var (segment, state) in stored.Reverse())
        {
            if (chain.Contains(segment))
            {
                _segments[segment] = state;
                SetSegmentSize(segment, Measure(state.State));
            }
            else
            {
                await ClearAsync(state, SegmentName(segment));
                RecordWrites++;
            }
        }
        var fitted = SegmentRange.Of(_segments.Keys);
        if (_manifest.RecordExists && fitted != range)
        {
            await WriteManifestAsync(fitted);
        }

        var hardState = _hardState.RecordExists ? new HardState(_hardState.State.CurrentTerm, _hardState.State.VotedFor) : new HardState(0, null);
        return new DurableState(hardState, snapshot, entries);
    }

    /// <summary>
    /// Decides which records a delta rewrites, from the log as it is now. Call it in the same turn as
    /// <see cref="RaftNode.TakeUnpersisted"/>, so that the log and the delta agree.
    /// </summary>
    public WritePlan Plan(PersistenceDelta delta, IReadOnlyRaftLog log)
    {
        var plan = new WritePlan
        {
            HardState = delta.HardState is { } hard ? new RaftHardStateRecord(hard.CurrentTerm, hard.VotedFor) : null,
            Snapshot = delta.Snapshot is { } snap ? new RaftSnapshotRecord(snap.Index, snap.Term, snap.Data) : null,
        };
        var snapshotIndex = log.SnapshotIndex;
        var last = log.LastIndex;
        var affected = new SortedSet<long>();
        if (delta.FirstDirtyIndex is { } dirty)
        {
            // Every stored segment holding an index at or after the dirty one, and every segment the log reaches now.
            var from = Math.Max(dirty, snapshotIndex + 1);
            foreach (var segment in _segments.Keys)
            {
                if (SegmentEnd(segment) >= from)
                {
                    affected.Add(segment);
                }
            }
            for (var segment = SegmentOf(from); from <= last && segment <= SegmentOf(last); segment++)
            {
                affected.Add(segment);
            }
        }
        if (plan.Snapshot is not null)
        {
            // Segments still holding entries the snapshot now covers: cleared, or rewritten without them.
            foreach (var (segment, state) in _segments)
            {
                if (state.State.FirstIndex <= snapshotIndex)
                {
                    affected.Add(segment);
                }
            }
        }

        foreach (var segment in affected)
        {
            var first = Math.Max(SegmentStart(segment), snapshotIndex + 1);
            var end = Math.Min(SegmentEnd(segment), last);
            if (first <= end)
            {
                var entries = log.Slice(first, (int)(end - first + 1));
                plan.Writes.Add((segment, new RaftLogSegmentRecord(first, log.TermAt(first - 1)!.Value, entries)));
            }
            else if (_segments.ContainsKey(segment))
            {
                plan.Clears.Add(segment);
            }
        }

        var current = StoredManifestRange();
        var after = new SortedSet<long>(_segments.Keys);
        after.ExceptWith(plan.Clears);
        after.UnionWith(plan.Writes.Select(w => w.Segment));
        var manifestBeforeSegments = current;
        if (plan.Writes.Any(w => !current.Contains(w.Segment)))
        {
            manifestBeforeSegments = current.Union(SegmentRange.Of(plan.Writes.Select(w => w.Segment)));
            plan.ManifestBefore = manifestBeforeSegments;
        }
        var fitted = SegmentRange.Of(after);
        if (fitted != manifestBeforeSegments)
        {
            plan.ManifestAfter = fitted;
        }
        return plan;
    }

    /// <summary>
    /// Writes a plan in crash-safe order: grow the manifest, hard state, snapshot, segments in ascending order, then
    /// clear segments (highest first) and shrink the manifest. Each record is written at most once. With a provider
    /// that applies writes in issue order (SQLite, memory) the writes are issued together, so the provider can commit
    /// them in one transaction (one fsync per flush instead of one per record); otherwise each is awaited before the
    /// next is issued. Either way a crash keeps a prefix of the plan, which is what PERSISTENCE.md's argument needs.
    /// </summary>
    public async Task ExecuteAsync(WritePlan plan)
    {
        var steps = new List<(Func<Task> Write, Action Done)>(plan.Writes.Count + plan.Clears.Count + 4);
        if (plan.ManifestBefore is { } grown)
        {
            steps.Add(ManifestStep(grown));
        }
        if (plan.HardState is { } hard)
        {
            steps.Add((() => { _hardState.State = hard; return WriteAsync(_hardState, HardStateName); }, () => _hardStateSize = Measure(hard)));
        }
        if (plan.Snapshot is { } snapshot)
        {
            steps.Add((() => { _snapshot.State = snapshot; return WriteAsync(_snapshot, SnapshotName); }, () => SnapshotSize = Measure(snapshot)));
        }
        foreach (var (segment, record) in plan.Writes)
        {
            // Outside the stored set, the record does not exist (a fresh state writes with "must not exist").
            var state = _segments.TryGetValue(segment, out var stored) ? stored : Create<RaftLogSegmentRecord>(SegmentName(segment));
            steps.Add((() => { state.State = record; return WriteAsync(state, SegmentName(segment)); }, () =>
            {
                _segments[segment] = state;
                SetSegmentSize(segment, Measure(record));
            }));
        }
        for (var i = plan.Clears.Count - 1; i >= 0; i--)
        {
            var segment = plan.Clears[i];
            var state = _segments[segment];
            steps.Add((() => ClearAsync(state, SegmentName(segment)), () =>
            {
                _segments.Remove(segment);
                SetSegmentSize(segment, 0);
            }));
        }
        if (plan.ManifestAfter is { } fitted)
        {
            steps.Add(ManifestStep(fitted));
        }

        if (!_issueTogether)
        {
            foreach (var (write, done) in steps)
            {
                await write();
                RecordWrites++;
                done();
            }
            return;
        }
        var issued = new Task[steps.Count];
        for (var i = 0; i < steps.Count; i++)
        {
            issued[i] = steps[i].Write();
            if (issued[i].IsFaulted)
            {
                // Refused at once (memory storage): nothing after it may land, or the prefix rule breaks.
                await issued[i];
            }
        }
        await Task.WhenAll(issued);
        foreach (var (_, done) in steps)
        {
            RecordWrites++;
            done();
        }
    }

    private void SetSegmentSize(long segment, long bytes)
    {
        _segmentBytes += bytes - _segmentSizes.GetValueOrDefault(segment);
        if (bytes == 0)
        {
            _segmentSizes.Remove(segment);
        }
        else
        {
            _segmentSizes[segment] = bytes;
        }
    }

    private Task WriteAsync<T>(IPersistentState<T> state, string name) => NameConflicts(state.WriteStateAsync(), "write", name);

    private Task ClearAsync<T>(IPersistentState<T> state, string name) => NameConflicts(state.ClearStateAsync(), "clear", name);

    /// <summary>
    /// An ETag conflict means another writer changed the record since this activation read it: after a crash, a write
    /// the previous incarnation had sent and that landed late. The peer must not go on from what it holds in memory; the
    /// conflict escapes (the grain deactivates, and the next activation reads everything again), naming peer and record.
    /// </summary>
    private async Task NameConflicts(Task operation, string kind, string name)
    {
        try
        {
            await operation;
        }
        catch (InconsistentStateException exception)
        {
            throw new InconsistentStateException(
                $"Raft peer '{_peerId}': the {kind} of record '{name}' was refused because another writer changed the record since this activation read it. {exception.Message}",
                exception.StoredEtag, exception.CurrentEtag, exception);
        }
    }

    private (Func<Task> Write, Action Done) ManifestStep(SegmentRange range)
    {
        var record = new RaftLogManifestRecord(range.First, range.Count);
        return (() => { _manifest.State = record; return WriteAsync(_manifest, ManifestName); }, () => _manifestSize = Measure(record));
    }

    private (List<LogEntry> Entries, HashSet<long> Chain) LinkSegments(
        SortedDictionary<long, IPersistentState<RaftLogSegmentRecord>> stored, long snapshotIndex, long snapshotTerm)
    {
        var entries = new List<LogEntry>();
        var chain = new HashSet<long>();
        var expectedIndex = snapshotIndex;
        var expectedTerm = snapshotTerm;
        for (var segment = SegmentOf(snapshotIndex + 1); stored.TryGetValue(segment, out var state); segment++)
        {
            var record = state.State;
            var lastIndex = record.FirstIndex + record.Entries.Length - 1;
            long linkTerm;
            if (record.FirstIndex == expectedIndex + 1)
            {
                linkTerm = record.PrevTerm;
            }
            else if (record.FirstIndex <= expectedIndex && expectedIndex <= lastIndex)
            {
                linkTerm = record.Entries[expectedIndex - record.FirstIndex].Term;
            }
            else
            {
                break; // a gap, or a segment that ends before the snapshot point
            }
            if (linkTerm != expectedTerm)
            {
                // Written for another log than the one before it (an interrupted overwrite): by Log Matching, only a
                // segment whose link term matches continues this log.
                break;
            }
            chain.Add(segment);
            foreach (var entry in record.Entries)
            {
                if (entry.Index > expectedIndex)
                {
                    entries.Add(entry);
                }
            }
            if (lastIndex > expectedIndex)
            {
                expectedIndex = lastIndex;
                expectedTerm = record.Entries[^1].Term;
            }
            if (lastIndex < SegmentEnd(segment))
            {
                break; // only the tail segment is partly filled
            }
        }
        return (entries, chain);
    }

    private void Validate(long segment, RaftLogSegmentRecord record)
    {
        var entries = record.Entries ?? [];
        var valid = record.Entries is not null
            && record.FirstIndex >= SegmentStart(segment)
            && record.FirstIndex + entries.Length - 1 <= SegmentEnd(segment);
        for (var i = 0; valid && i < entries.Length; i++)
        {
            valid = entries[i] is not null && entries[i].Index == record.FirstIndex + i;
        }
        if (!valid)
        {
            throw new CorruptRecordException(
                $"Raft peer '{_peerId}' cannot start: record '{SegmentName(segment)}' passed its checksum but does not hold " +
                $"consecutive entries of segment {segment} (indexes {SegmentStart(segment)}..{SegmentEnd(segment)}).");
        }
    }

    private async Task ReadAsync<T>(IPersistentState<T> state, string name)
    {
        try
        {
            await state.ReadStateAsync();
        }
        catch (CorruptRecordException exception)
        {
            throw new CorruptRecordException($"Raft peer '{_peerId}' cannot start: record '{name}' is corrupt. {exception.Message}", exception);
        }
        catch (GrainStorageException exception)
        {
            throw new GrainStorageException($"Raft peer '{_peerId}' cannot start: record '{name}' could not be read. {exception.Message}", exception);
        }
    }

    private async Task WriteManifestAsync(SegmentRange range)
    {
        var (write, done) = ManifestStep(range);
        await write();
        RecordWrites++;
        done();
    }

    private SegmentRange StoredManifestRange() =>
        _manifest.RecordExists && _manifest.State.SegmentCount > 0
            ? new SegmentRange(_manifest.State.FirstSegment, _manifest.State.SegmentCount)
            : SegmentRange.Empty;

    private IPersistentState<T> Create<T>(string name) =>
        _factory.Create<T>(_context, new PersistentStateConfiguration(name, _storageName));

    private long Measure<T>(T record) => _serializer.Serialize(record).Length + StoredRecord.HeaderSize;

    private long SegmentOf(long index) => (index - 1) / _entriesPerSegment;

    private long SegmentStart(long segment) => segment * _entriesPerSegment + 1;

    private long SegmentEnd(long segment) => (segment + 1) * _entriesPerSegment;

    /// <summary>The record writes one persistence delta turns into.</summary>
    internal sealed class WritePlan
    {
        public SegmentRange? ManifestBefore { get; set; }

        public RaftHardStateRecord? HardState { get; init; }

        public RaftSnapshotRecord? Snapshot { get; init; }

        /// <summary>Segments to (re)write, in ascending order.</summary>
        public List<(long Segment, RaftLogSegmentRecord Record)> Writes { get; } = [];

        /// <summary>Segments to clear, in ascending order (cleared highest first).</summary>
        public List<long> Clears { get; } = [];

        public SegmentRange? ManifestAfter { get; set; }
    }

    /// <summary>Segment numbers [First, First + Count).</summary>
    internal readonly record struct SegmentRange(long First, long Count)
    {
        public static SegmentRange Empty => new(0, 0);

        public long End => First + Count;

        public bool Contains(long segment) => segment >= First && segment < End;

        public SegmentRange Union(SegmentRange other)
        {
            if (Count == 0)
            {
                return other;
            }
            if (other.Count == 0)
            {
                return this;
            }
            var first = Math.Min(First, other.First);
            return new SegmentRange(first, Math.Max(End, other.End) - first);
        }

        public static SegmentRange Of(IEnumerable<long> segments)
        {
            long? min = null, max = null;
            foreach (var segment in segments)
            {
                min = min is { } a ? Math.Min(a, segment) : segment;
                max = max is { } b ? Math.Max(b, segment) : segment;
            }
            return min is { } first ? new SegmentRange(first, max!.Value - first + 1) : Empty;
        }
    }
}
