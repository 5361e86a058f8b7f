using Orleans;

namespace Raft.Grains.Interfaces;

/// <summary>
/// One entry of the replicated log. Indexes are logical and start at 1 (index 0 is the empty-log sentinel
/// with term 0); they never change when the log is compacted. <paramref name="Command"/> is opaque to Raft
/// and must not be mutated once the entry exists (the record is shared, not copied, inside a process).
/// </summary>
[GenerateSerializer, Immutable, Alias("raft.log-entry")]
public sealed record LogEntry(long Index, long Term, byte[] Command);
