using Raft.Grains.Interfaces;

namespace Raft.Grains.Protocol;

public sealed partial class RaftNode
{
    private bool _hardStateDirty;
    private bool _snapshotDirty;
    private long? _firstDirtyIndex;

    /// <summary>
    /// The highest index such that the log up to it, as it is now, is known durable. The leader counts itself towards
    /// a commit majority only up to here, so an entry is never committed on the strength of a copy a crash could lose.
    /// </summary>
    public long LocalDurableIndex { get; private set; }

    /// <summary>True when there is something to persist before the next message or reply goes out.</summary>
    public bool HasUnpersistedChanges => _hardStateDirty || _snapshotDirty || _firstDirtyIndex is not null;

    /// <summary>Everything changed since the previous call, and marks it as handed over. See <see cref="PersistenceDelta"/>.</summary>
    public PersistenceDelta TakeUnpersisted()
    {
        var delta = new PersistenceDelta(
            _hardStateDirty ? new HardState(CurrentTerm, VotedFor) : null,
            _snapshotDirty ? new RaftSnapshot(_log.SnapshotIndex, _log.SnapshotTerm, SnapshotData ?? []) : null,
            _firstDirtyIndex,
            _firstDirtyIndex is { } first ? _log.Slice(first) : [],
            _log.LastIndex,
            _log.LastTerm);
        _hardStateDirty = false;
        _snapshotDirty = false;
        _firstDirtyIndex = null;
        return delta;
    }

    /// <summary>
    /// The driver made the log durable through (<paramref name="index"/>, <paramref name="term"/>): pass a delta's
    /// LastLogIndex and LastLogTerm once it is written. The term makes a late report harmless: if the log was cut back and
    /// rewritten meanwhile, the entry at index has another term (Log Matching) and the report is ignored.
    /// Returns whether this moved the commit index (a leader counting its own copy).
    /// </summary>
    public bool OnLocalPersisted(long index, long term)
    {
        if (index <= LocalDurableIndex || _log.TermAt(index) != term)
        {
            return false;
        }
        LocalDurableIndex = index;
        return TryAdvanceCommitIndex();
    }

    private void MarkHardStateDirty() => _hardStateDirty = true;

    private void MarkSnapshotDirty() => _snapshotDirty = true;

    private void MarkLogDirtyFrom(long index) =>
        _firstDirtyIndex = _firstDirtyIndex is { } first ? Math.Min(first, index) : index;

    private void AppendToLog(ReadOnlySpan<LogEntry> entries)
    {
        if (entries.IsEmpty)
        {
            return;
        }
        MarkLogDirtyFrom(entries[0].Index);
        _log.Append(entries.ToArray());
    }

    private void TruncateLogFrom(long index)
    {
        _log.TruncateFrom(index);
        MarkLogDirtyFrom(index);
        LocalDurableIndex = Math.Min(LocalDurableIndex, index - 1);
    }

    /// <summary>After the snapshot point moved forward with the suffix kept: dirty entries it swallowed need no write.</summary>
    private void OnCompacted()
    {
        if (_firstDirtyIndex is { } first && first <= _log.SnapshotIndex)
        {
            _firstDirtyIndex = _log.SnapshotIndex + 1;
        }
    }

    /// <summary>After the whole log was replaced by a snapshot: every stored entry after the snapshot point must go.</summary>
    private void OnLogDiscarded()
    {
        _firstDirtyIndex = _log.SnapshotIndex + 1;
        LocalDurableIndex = Math.Min(LocalDurableIndex, _log.SnapshotIndex);
    }
}
