using Raft.Grains.Interfaces;

namespace Raft.Grains;

/// <summary>"raft-hardstate": the current term and the vote cast in it (Raft Figure 2, persistent state).</summary>
[GenerateSerializer, Alias("raft.hard-state")]
public sealed record RaftHardStateRecord(long CurrentTerm, string? VotedFor);

/// <summary>
/// "raft-manifest": the range of log segment numbers that may exist, [FirstSegment, FirstSegment + SegmentCount).
/// A superset of the segments actually stored: it grows before a new segment is written and shrinks after segments
/// are cleared, so activation knows every record to read without listing storage.
/// </summary>
[GenerateSerializer, Alias("raft.log-manifest")]
public sealed record RaftLogManifestRecord(long FirstSegment, long SegmentCount);

/// <summary>
/// "raft-log-{n}": the entries of log segment n, which covers indexes [n * E + 1, (n + 1) * E] for E = EntriesPerSegment.
/// <paramref name="Entries"/> are consecutive from <paramref name="FirstIndex"/> (after the snapshot point, so a trimmed
/// segment starts later than n * E + 1). <paramref name="PrevTerm"/> is the term of the entry just before FirstIndex when
/// the segment was written: activation accepts a segment only if it links to what precedes it.
/// </summary>
[GenerateSerializer, Alias("raft.log-segment")]
public sealed record RaftLogSegmentRecord(long FirstIndex, long PrevTerm, LogEntry[] Entries);

/// <summary>"raft-snapshot": the service's latest snapshot and the log position it covers.</summary>
[GenerateSerializer, Alias("raft.snapshot")]
public sealed record RaftSnapshotRecord(long LastIncludedIndex, long LastIncludedTerm, byte[] Data);
