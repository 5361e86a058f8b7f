namespace Raft.Grains.Protocol;

/// <summary>The service's snapshot and the log position it covers (lastIncludedIndex / lastIncludedTerm).</summary>
public sealed record RaftSnapshot(long Index, long Term, byte[] Data);
