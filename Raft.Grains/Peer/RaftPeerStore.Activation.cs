using Raft.Grains.Interfaces;
using Raft.Grains.Protocol;

namespace Raft.Grains;

/// <summary>Activation: read every record, link the log segments, then repair (and, with storage whose writes may outlive their writer, fence).</summary>
internal sealed partial class RaftPeerStore
{
    /// <summary>
    /// Reads every record and keeps the log segments that link up from the snapshot point; the rest are leftovers of a
    /// crash between two record writes, cleared by <see cref="RepairAndFenceAsync"/>, which must follow before the
    /// next write. A record that fails its checksum throws <see cref="CorruptRecordException"/> naming the peer and the record.
    /// </summary>
    public async Task<DurableState> LoadAsync()
    {
        if (_loadedSegments is not null || _activated)
        {
            throw new InvalidOperationException($"Raft peer '{_peerId}': the store loads once, on activation.");
        }
        _loadedSegments = new();
        await ReadAsync(_manifest, ManifestName, CannotStart);
        await ReadAsync(_hardState, HardStateName, CannotStart);
        await ReadAsync(_snapshot, SnapshotName, CannotStart);
        _hardStateSize = _hardState.RecordExists ? Measure(_hardState.State) : 0;
        _manifestSize = _manifest.RecordExists ? Measure(_manifest.State) : 0;
        SnapshotSize = _snapshot.RecordExists ? Measure(_snapshot.State) : 0;

        var stored = new SortedDictionary<long, IPeerRecord<RaftLogSegmentRecord>>();
        var range = StoredManifestRange();
        for (var segment = range.First; segment < range.End; segment++)
        {
            var state = Create<RaftLogSegmentRecord>(SegmentName(segment));
            await ReadAsync(state, SegmentName(segment), CannotStart);
            _loadedSegments[segment] = state;
            if (state.RecordExists)
            {
                Validate(segment, state.State);
                stored[segment] = state;
            }
        }

        RaftSnapshot? snapshot = _snapshot.RecordExists
            ? new RaftSnapshot(_snapshot.State.LastIncludedIndex, _snapshot.State.LastIncludedTerm, _snapshot.State.Data ?? [])
            : null;
        _firstLiveSegment = SegmentOf((snapshot?.Index ?? 0) + 1);
        var (entries, chain) = LinkSegments(stored, snapshot?.Index ?? 0, snapshot?.Term ?? 0);
        foreach (var segment in chain)
        {
            _segments[segment] = stored[segment];
            SetSegmentSize(segment, Measure(stored[segment].State));
        }

        var hardState = _hardState.RecordExists ? new HardState(_hardState.State.CurrentTerm, _hardState.State.VotedFor) : new HardState(0, null);
        return new DurableState(hardState, snapshot, entries);
    }

    /// <summary>
    /// The writes of activation, after <see cref="LoadAsync"/> and before the peer answers anything. Repair: the
    /// segments that are not part of the chain (leftovers of an interrupted write) are cleared, highest first, then the
    /// manifest is fitted to what is left. Fence, when the provider's writes may land after their writer died: every
    /// other record read is written again under the ETag it was read with, a missing or cleared one by a clear (which
    /// leaves a cleared marker), segments first and the manifest last, so that the manifest keeps covering every record
    /// of an earlier activation until each is fenced. A write of a crashed earlier activation still on its way then
    /// fails its own ETag condition; one that landed after this activation's read makes the fence write of that record
    /// fail instead (<see cref="RecordConflictException"/> naming peer and record: the peer must not answer from what
    /// it read). Each record is written at most once.
    /// </summary>
    public async Task RepairAndFenceAsync()
    {
        var loaded = _loadedSegments
            ?? throw new InvalidOperationException($"Raft peer '{_peerId}': RepairAndFenceAsync runs once, after LoadAsync.");
        var steps = new List<(Func<Task> Write, Action Done)>();
        foreach (var (segment, state) in loaded.Reverse())
        {
            var name = SegmentName(segment);
            if (_segments.ContainsKey(segment))
            {
                if (_fence)
                {
                    steps.Add(FenceStep(state, name));
                }
            }
            else if (state.RecordExists || _fence)
            {
                steps.Add(ClearStep(segment, state));
            }
        }
        _loadedSegments = null;
        if (_fence)
        {
            steps.Add(FenceStep(_snapshot, SnapshotName));
            steps.Add(FenceStep(_hardState, HardStateName));
        }
        var fitted = SegmentRange.Of(_segments.Keys);
        if (_manifest.RecordExists && fitted != StoredManifestRange())
        {
            steps.Add(ManifestStep(fitted));
        }
        else if (_fence)
        {
            steps.Add(FenceStep(_manifest, ManifestName));
        }
        await RunAsync(steps);
        _activated = true;
    }

    private const string CannotStart = "cannot start";

    /// <summary>The fence of one record read at activation: the same state written again, or a clear where none exists.</summary>
    private (Func<Task> Write, Action Done) FenceStep<T>(IPeerRecord<T> state, string name) =>
        (state.RecordExists ? () => WriteAsync(state, name) : () => ClearAsync(state, name), static () => { });

    private (List<LogEntry> Entries, HashSet<long> Chain) LinkSegments(
        SortedDictionary<long, IPeerRecord<RaftLogSegmentRecord>> stored, long snapshotIndex, long snapshotTerm)
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
}
