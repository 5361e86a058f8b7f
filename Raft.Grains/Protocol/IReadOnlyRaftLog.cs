using Raft.Grains.Interfaces;

namespace Raft.Grains.Protocol;

/// <summary>A read-only view of a <see cref="RaftLog"/>, for drivers, appliers and status reporting.</summary>
public interface IReadOnlyRaftLog
{
    /// <summary>The last index covered by the snapshot (0 when there is none); entries up to it are compacted.</summary>
    long SnapshotIndex { get; }

    /// <summary>The term of the entry at <see cref="SnapshotIndex"/> (0 when there is no snapshot).</summary>
    long SnapshotTerm { get; }

    /// <summary>The first index still held as an entry: SnapshotIndex + 1 (may be past LastIndex when the log is empty).</summary>
    long FirstIndex { get; }

    long LastIndex { get; }

    long LastTerm { get; }

    /// <summary>Entries held after the snapshot point.</summary>
    int Count { get; }

    /// <summary>
    /// The term at <paramref name="index"/>: 0 at index 0, SnapshotTerm at SnapshotIndex, the entry's term after it.
    /// Null when the index is compacted (below SnapshotIndex) or past LastIndex: the caller must handle both.
    /// </summary>
    long? TermAt(long index);

    /// <summary>The entry at <paramref name="index"/>; throws if it is compacted or absent.</summary>
    LogEntry EntryAt(long index);

    /// <summary>
    /// Consecutive entries from <paramref name="fromIndex"/>: at most <paramref name="maxCount"/>, and stopping before
    /// <paramref name="maxBytes"/> of commands are exceeded, but always at least one entry when one exists so a large
    /// entry still makes progress. Empty when fromIndex &gt; LastIndex. Throws when fromIndex is compacted.
    /// </summary>
    LogEntry[] Slice(long fromIndex, int maxCount = int.MaxValue, long maxBytes = long.MaxValue);

    /// <summary>The first retained index whose entry has <paramref name="term"/>, or null. Ignores the snapshot point.</summary>
    long? FirstIndexOfTerm(long term);

    /// <summary>The last index with <paramref name="term"/>, counting the snapshot point, or null.</summary>
    long? LastIndexOfTerm(long term);
}
