using Raft.Grains.Interfaces;

namespace Raft.Grains.Protocol;

/// <summary>
/// The log after the snapshot point. Logical index i lives at physical position i - SnapshotIndex - 1, so the
/// arithmetic is in one place and every caller speaks logical indexes only.
/// Terms are non-decreasing along any Raft log, which lets the term searches bisect.
/// </summary>
public sealed class RaftLog : IReadOnlyRaftLog
{
    private readonly List<LogEntry> _entries = [];

    public RaftLog()
    {
    }

    /// <summary>A log restored from storage: a snapshot point and the entries after it (consecutive, from snapshotIndex + 1).</summary>
    public RaftLog(long snapshotIndex, long snapshotTerm, IEnumerable<LogEntry> entries)
    {
        if (snapshotIndex < 0 || snapshotTerm < 0 || (snapshotIndex == 0 && snapshotTerm != 0))
        {
            throw new ArgumentOutOfRangeException(nameof(snapshotIndex), $"Invalid snapshot point ({snapshotIndex}, term {snapshotTerm}).");
        }
        SnapshotIndex = snapshotIndex;
        SnapshotTerm = snapshotTerm;
        Append(entries);
    }

    public long SnapshotIndex { get; private set; }

    public long SnapshotTerm { get; private set; }

    public long FirstIndex => SnapshotIndex + 1;

    public long LastIndex => SnapshotIndex + _entries.Count;

    public long LastTerm => _entries.Count == 0 ? SnapshotTerm : _entries[^1].Term;

    public int Count => _entries.Count;

    public long? TermAt(long index)
    {
        if (index == SnapshotIndex)
        {
            return SnapshotTerm;
        }
        if (index < SnapshotIndex || index > LastIndex)
        {
            return null;
        }
        return _entries[Position(index)].Term;
    }

    public LogEntry EntryAt(long index)
    {
        if (index <= SnapshotIndex || index > LastIndex)
        {
            throw new ArgumentOutOfRangeException(nameof(index),
                $"Log index {index} is not held: entries are {FirstIndex}..{LastIndex} (snapshot through {SnapshotIndex}).");
        }
        return _entries[Position(index)];
    }

    public LogEntry[] Slice(long fromIndex, int maxCount = int.MaxValue, long maxBytes = long.MaxValue)
    {
        if (fromIndex <= SnapshotIndex)
        {
            throw new ArgumentOutOfRangeException(nameof(fromIndex),
                $"Cannot slice from {fromIndex}: entries through {SnapshotIndex} are compacted into the snapshot.");
        }
        if (fromIndex > LastIndex || maxCount <= 0)
        {
            return [];
        }
        var start = Position(fromIndex);
        var available = _entries.Count - start;
        var count = 0;
        long bytes = 0;
        while (count < available && count < maxCount)
        {
            bytes += EstimatedSize(_entries[start + count]);
            if (count > 0 && bytes > maxBytes)
            {
                break;
            }
            count++;
        }
        return _entries.GetRange(start, count).ToArray();
    }

    public long? FirstIndexOfTerm(long term)
    {
        var position = LowerBound(term);
        return position < _entries.Count && _entries[position].Term == term ? SnapshotIndex + 1 + position : null;
    }

    public long? LastIndexOfTerm(long term)
    {
        var position = LowerBound(term + 1) - 1;
        if (position >= 0)
        {
            return _entries[position].Term == term ? SnapshotIndex + 1 + position : null;
        }
        // No retained entry has a term <= term; the snapshot point may still carry it.
        return SnapshotIndex > 0 && SnapshotTerm == term ? SnapshotIndex : null;
    }

    /// <summary>Appends consecutive entries that continue the log; a gap or overlap is a caller bug and throws.</summary>
    public void Append(IEnumerable<LogEntry> entries)
    {
        foreach (var entry in entries)
        {
            if (entry.Index != LastIndex + 1)
            {
                throw new ArgumentException($"Entry index {entry.Index} does not continue the log (last index {LastIndex}).", nameof(entries));
            }
            if (entry.Term < LastTerm)
            {
                throw new ArgumentException($"Entry {entry.Index} has term {entry.Term}, below the previous term {LastTerm}.", nameof(entries));
            }
            _entries.Add(entry);
        }
    }

    /// <summary>Removes the entries at <paramref name="fromIndex"/> and after. Compacted entries are committed and cannot be removed.</summary>
    public void TruncateFrom(long fromIndex)
    {
        if (fromIndex <= SnapshotIndex)
        {
            throw new ArgumentOutOfRangeException(nameof(fromIndex),
                $"Cannot truncate from {fromIndex}: entries through {SnapshotIndex} are in the snapshot.");
        }
        if (fromIndex > LastIndex)
        {
            return;
        }
        _entries.RemoveRange(Position(fromIndex), _entries.Count - Position(fromIndex));
    }

    /// <summary>
    /// Moves the snapshot point forward to (<paramref name="index"/>, <paramref name="term"/>), dropping the entries it covers
    /// and keeping the ones after it. When the index is past the last entry the log ends up empty.
    /// The caller guarantees the entry at index, if held, has that term (otherwise use <see cref="ResetToSnapshot"/>).
    /// </summary>
    public void CompactTo(long index, long term)
    {
        if (index <= SnapshotIndex)
        {
            throw new ArgumentOutOfRangeException(nameof(index), $"Cannot compact to {index}: the snapshot already covers {SnapshotIndex}.");
        }
        if (index <= LastIndex && TermAt(index) != term)
        {
            throw new ArgumentException($"Entry {index} has term {TermAt(index)}, not {term}; the suffix cannot be kept.", nameof(term));
        }
        _entries.RemoveRange(0, (int)Math.Min(index - SnapshotIndex, _entries.Count));
        SnapshotIndex = index;
        SnapshotTerm = term;
    }

    /// <summary>Discards every entry and makes (<paramref name="index"/>, <paramref name="term"/>) the snapshot point.</summary>
    public void ResetToSnapshot(long index, long term)
    {
        if (index <= SnapshotIndex)
        {
            throw new ArgumentOutOfRangeException(nameof(index), $"Cannot reset to {index}: the snapshot already covers {SnapshotIndex}.");
        }
        _entries.Clear();
        SnapshotIndex = index;
        SnapshotTerm = term;
    }

    /// <summary>The size an entry is budgeted at for <see cref="Slice"/>: its command plus index and term.</summary>
    public static long EstimatedSize(LogEntry entry) => entry.Command.Length + 2 * sizeof(long);

    private int Position(long index) => (int)(index - SnapshotIndex - 1);

    /// <summary>The first physical position whose term is >= <paramref name="term"/> (Count if none).</summary>
    private int LowerBound(long term)
    {
        int low = 0, high = _entries.Count;
        while (low < high)
        {
            var mid = (low + high) >>> 1;
            if (_entries[mid].Term < term)
            {
                low = mid + 1;
            }
            else
            {
                high = mid;
            }
        }
        return low;
    }
}
