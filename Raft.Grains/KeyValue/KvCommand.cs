using Raft.Grains.Interfaces;

namespace Raft.Grains.KeyValue;

/// <summary>What the log holds for one client request.</summary>
[GenerateSerializer, Immutable, Alias("kv.command")]
public sealed record KvCommand(long ClientId, long Sequence, KvOperation Operation);

/// <summary>The key-value state as a snapshot stores it.</summary>
[GenerateSerializer, Immutable, Alias("kv.snapshot")]
public sealed record KvSnapshot(KvSnapshotEntry[] Entries, KvSnapshotSession[] Sessions, long LastIncludedIndex);

[GenerateSerializer, Immutable, Alias("kv.snapshot-entry")]
public sealed record KvSnapshotEntry(string Key, string Value, long Version);

[GenerateSerializer, Immutable, Alias("kv.snapshot-session")]
public sealed record KvSnapshotSession(long ClientId, long LastSequence, KvResponse LastResponse, long LastUsedIndex);
