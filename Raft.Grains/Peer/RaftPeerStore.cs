using Raft.Grains.Interfaces;
using Raft.Grains.Protocol;

namespace Raft.Grains;

/// <summary>
/// One peer's durable state as grain storage records (layout and crash-ordering argument: PERSISTENCE.md):
/// "raft-hardstate", "raft-manifest", "raft-snapshot" and the log in segment records "raft-log-{n}".
/// Turns a <see cref="PersistenceDelta"/> into the few record writes it needs and loads a <see cref="DurableState"/>
/// back on activation: <see cref="LoadAsync"/> reads, then <see cref="RepairAndFenceAsync"/> writes what activation must
/// write before the peer answers. Not thread-safe: the grain calls it from one flush at a time.
/// </summary>
internal sealed partial class RaftPeerStore
{
    public const string HardStateName = "raft-hardstate";
    public const string ManifestName = "raft-manifest";
    public const string SnapshotName = "raft-snapshot";

    private readonly string _peerId;
    private readonly IPeerStorage _storage;
    private readonly long _entriesPerSegment;
    private readonly IPeerRecord<RaftHardStateRecord> _hardState;
    private readonly IPeerRecord<RaftLogManifestRecord> _manifest;
    private readonly IPeerRecord<RaftSnapshotRecord> _snapshot;

    /// <summary>The provider applies writes in issue order, and they cannot outlive this process: a plan's writes are issued together (see ExecuteAsync).</summary>
    private readonly bool _issueTogether;

    /// <summary>
    /// The provider's writes may land after their writer died: activation rewrites every record it read under the ETag
    /// it read it with (the fence, <see cref="RepairAndFenceAsync"/>), so that a crashed earlier activation's write still
    /// on its way fails its ETag condition instead of changing a record under this one.
    /// </summary>
    private readonly bool _fence;

    /// <summary>
    /// A cleared record stays, with an ETag (<see cref="IPeerStorage.ClearKeepsRecord"/>): a segment outside the stored
    /// set may exist as a cleared marker, so writing it needs that ETag, read first (see ExecuteAsync).
    /// </summary>
    private readonly bool _clearKeepsRecord;

    // Every segment state read at load (in the manifest range, existing or not), until RepairAndFenceAsync writes them:
    // null before LoadAsync and after RepairAndFenceAsync.
    private SortedDictionary<long, IPeerRecord<RaftLogSegmentRecord>>? _loadedSegments;

    // Set once RepairAndFenceAsync has run: before it, a write could meet a leftover segment or, on fenced storage, land
    // while an earlier activation's write is still on its way, so Plan and ExecuteAsync refuse to run.
    private bool _activated;

    // The segment records that exist in storage (after activation's repair), by segment number.
    private readonly SortedDictionary<long, IPeerRecord<RaftLogSegmentRecord>> _segments = new();
    private readonly Dictionary<long, long> _segmentSizes = new();
    // Segment records this activation cleared itself (repair, fence or flush) that it may write again: their states hold
    // the cleared marker's ETag (none where a clear deletes), so writing one again needs no read. Only segments from
    // _firstLiveSegment on: no segment below the snapshot point is written again, and compaction clears one per segment.
    private readonly Dictionary<long, IPeerRecord<RaftLogSegmentRecord>> _clearedSegments = new();
    // The segment of the first index after the snapshot.
    private long _firstLiveSegment;
    // Their sum, kept up to date: the state machine reads PersistedSize after every applied entry.
    private long _segmentBytes;
    private long _hardStateSize;
    private long _manifestSize;

    public RaftPeerStore(string peerId, IPeerStorage storage, int entriesPerSegment)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(entriesPerSegment, 1);
        _peerId = peerId;
        _storage = storage;
        _entriesPerSegment = entriesPerSegment;
        _hardState = Create<RaftHardStateRecord>(HardStateName);
        _manifest = Create<RaftLogManifestRecord>(ManifestName);
        _snapshot = Create<RaftSnapshotRecord>(SnapshotName);
        _fence = storage.WritesMayOutliveWriter;
        // The fence's argument needs at most one write of an activation in flight (PERSISTENCE.md), so a provider whose
        // writes may outlive their writer gets them one by one even if it applies them in issue order.
        _issueTogether = storage.PreservesIssueOrder && !_fence;
        _clearKeepsRecord = storage.ClearKeepsRecord;
        if (_fence && !_clearKeepsRecord)
        {
            // A deleted record can be created again by a delayed "must not exist" write of a crashed activation, after
            // any fence: such a write of a log segment that was cleared since would bring back stale entries.
            throw new InvalidOperationException(
                $"Raft peer '{peerId}' cannot start on storage '{storage.Name}': the provider may apply a write after the process " +
                "that sent it died, and it deletes a record on clear, so a delayed write of a crashed activation could create a " +
                "cleared log segment again and cut the log (Raft.Grains/Peer/PERSISTENCE.md). Configure it to keep cleared records " +
                "(Orleans' Azure Blob storage: DeleteStateOnClear = false, which is not its default, and ClearKeepsRecord = true in its PeerStorageTraits).");
        }
    }

    public static string SegmentName(long segment) => $"raft-log-{segment}";

    /// <summary>Encoded bytes of the hard state, manifest and log segment records (not the snapshot): 6.5840's RaftStateSize.</summary>
    public long PersistedSize => _hardStateSize + _manifestSize + _segmentBytes;

    /// <summary>Encoded bytes of the snapshot record.</summary>
    public long SnapshotSize { get; private set; }

    /// <summary>Record writes and clears issued since activation (for tests and status).</summary>
    public long RecordWrites { get; private set; }

    /// <summary>
    /// Decides which records a delta rewrites, from the log as it is now. Call it in the same turn as
    /// <see cref="RaftNode.TakeUnpersisted"/>, so that the log and the delta agree.
    /// </summary>
    public WritePlan Plan(PersistenceDelta delta, IReadOnlyRaftLog log)
    {
        EnsureActivated();
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
    /// clear segments (highest first) and shrink the manifest. Each record is written at most once, except the manifest
    /// when a plan both grows and shrinks it (its second write then waits for the rest of the plan). With a provider
    /// that applies writes in issue order (SQLite, memory) the writes are issued together, so the provider can commit
    /// them in one transaction (one fsync per flush instead of one per record); otherwise each is awaited before the
    /// next is issued. Either way a crash keeps a prefix of the plan, which is what PERSISTENCE.md's argument needs.
    /// With a provider that keeps cleared records, a segment outside the stored set that this activation did not clear
    /// itself is read (for its cleared marker's ETag) before any write is issued.
    /// </summary>
    public async Task ExecuteAsync(WritePlan plan)
    {
        EnsureActivated();
        var unstored = new Dictionary<long, IPeerRecord<RaftLogSegmentRecord>>();
        foreach (var (segment, _) in plan.Writes)
        {
            if (!_segments.ContainsKey(segment))
            {
                if (!_clearedSegments.TryGetValue(segment, out var state))
                {
                    // Outside the stored set and not cleared by this activation, the record does not exist (a fresh state
                    // writes with "must not exist"), or, with a provider that keeps cleared records, it may be a cleared
                    // marker whose ETag the write must present: cleared by an earlier activation beyond the manifest range
                    // this one read.
                    state = Create<RaftLogSegmentRecord>(SegmentName(segment));
                    if (_clearKeepsRecord)
                    {
                        await ReadAsync(state, SegmentName(segment), "cannot write its log");
                    }
                }
                unstored[segment] = state;
            }
        }

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
            steps.Add((() => { _snapshot.State = snapshot; return WriteAsync(_snapshot, SnapshotName); }, () =>
            {
                SnapshotSize = Measure(snapshot);
                ForgetClearedBelow(SegmentOf(snapshot.LastIncludedIndex + 1));
            }));
        }
        foreach (var (segment, record) in plan.Writes)
        {
            var state = _segments.TryGetValue(segment, out var stored) ? stored : unstored[segment];
            steps.Add((() => { state.State = record; return WriteAsync(state, SegmentName(segment)); }, () =>
            {
                _segments[segment] = state;
                _clearedSegments.Remove(segment);
                SetSegmentSize(segment, Measure(record));
            }));
        }
        for (var i = plan.Clears.Count - 1; i >= 0; i--)
        {
            var segment = plan.Clears[i];
            var state = _segments[segment];
            steps.Add(ClearStep(segment, state, () =>
            {
                _segments.Remove(segment);
                SetSegmentSize(segment, 0);
            }));
        }
        if (plan.ManifestAfter is { } fitted)
        {
            if (plan.ManifestBefore is not null)
            {
                // The manifest is written twice in this plan (grown, then shrunk): the second write must present the
                // ETag the first one produces, known only once it completed. Issued together, both would present the
                // ETag from before the plan and the second would be refused as a conflict with the first.
                await RunAsync(steps);
                steps.Clear();
            }
            steps.Add(ManifestStep(fitted));
        }
        await RunAsync(steps);
    }

    /// <summary>
    /// Runs writes in order, each step's Done after its write: all issued together when the provider applies writes in
    /// issue order, otherwise each awaited before the next is issued. Either way a crash keeps a prefix of them.
    /// </summary>
    private async Task RunAsync(List<(Func<Task> Write, Action Done)> steps)
    {
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

    /// <summary>Reads a record, naming peer and record in a failure, and what the failure stops (<paramref name="stopped"/>: "cannot start", ...).</summary>
    private async Task ReadAsync<T>(IPeerRecord<T> state, string name, string stopped)
    {
        try
        {
            await state.ReadStateAsync();
        }
        catch (CorruptRecordException exception)
        {
            throw new CorruptRecordException($"Raft peer '{_peerId}' {stopped}: record '{name}' is corrupt. {exception.Message}", exception);
        }
        catch (PeerStorageException exception)
        {
            throw new PeerStorageException($"Raft peer '{_peerId}' {stopped}: record '{name}' could not be read. {exception.Message}", exception);
        }
    }

    private Task WriteAsync<T>(IPeerRecord<T> state, string name) => NameConflicts(state.WriteStateAsync(), "write", name);

    private Task ClearAsync<T>(IPeerRecord<T> state, string name) => NameConflicts(state.ClearStateAsync(), "clear", name);

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
        catch (RecordConflictException exception)
        {
            throw new RecordConflictException(
                $"Raft peer '{_peerId}': the {kind} of record '{name}' was refused because another writer changed the record since this activation read it. {exception.Message}",
                exception);
        }
    }

    private void EnsureActivated()
    {
        if (!_activated)
        {
            throw new InvalidOperationException(
                $"Raft peer '{_peerId}': the store writes only after LoadAsync and RepairAndFenceAsync have run.");
        }
    }

    /// <summary>The clear of a segment record, after which this activation holds its state (and the marker's ETag) for a later write.</summary>
    private (Func<Task> Write, Action Done) ClearStep(long segment, IPeerRecord<RaftLogSegmentRecord> state, Action? done = null) =>
        (() => ClearAsync(state, SegmentName(segment)), () =>
        {
            done?.Invoke();
            if (segment >= _firstLiveSegment)
            {
                _clearedSegments[segment] = state;
            }
        });

    private void ForgetClearedBelow(long firstLiveSegment)
    {
        _firstLiveSegment = firstLiveSegment;
        foreach (var segment in _clearedSegments.Keys.Where(segment => segment < firstLiveSegment).ToArray())
        {
            _clearedSegments.Remove(segment);
        }
    }

    private (Func<Task> Write, Action Done) ManifestStep(SegmentRange range)
    {
        var record = new RaftLogManifestRecord(range.First, range.Count);
        return (() => { _manifest.State = record; return WriteAsync(_manifest, ManifestName); }, () => _manifestSize = Measure(record));
    }

    private SegmentRange StoredManifestRange() =>
        _manifest.RecordExists && _manifest.State.SegmentCount > 0
            ? new SegmentRange(_manifest.State.FirstSegment, _manifest.State.SegmentCount)
            : SegmentRange.Empty;

    private IPeerRecord<T> Create<T>(string name) => _storage.Open<T>(name);

    private long Measure<T>(T record) => _storage.Measure(record);

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
