using Orleans;

namespace Raft.Grains.Interfaces;

/// <summary>One key-value operation, as the client asks for it and as the log records it.</summary>
[GenerateSerializer, Immutable, Alias("kv.operation")]
public abstract record KvOperation;

/// <summary>Reads a key (through the log, so the read is linearizable).</summary>
[GenerateSerializer, Immutable, Alias("kv.get")]
public sealed record KvGet(string Key) : KvOperation;

/// <summary>Sets a key unconditionally.</summary>
[GenerateSerializer, Immutable, Alias("kv.put")]
public sealed record KvPut(string Key, string Value) : KvOperation;

/// <summary>Appends to a key's value (a missing key counts as empty).</summary>
[GenerateSerializer, Immutable, Alias("kv.append")]
public sealed record KvAppend(string Key, string Value) : KvOperation;

/// <summary>Removes a key.</summary>
[GenerateSerializer, Immutable, Alias("kv.delete")]
public sealed record KvDelete(string Key) : KvOperation;

/// <summary>
/// Sets a key only if its version is <paramref name="ExpectedVersion"/> (0: the key must not exist), as the
/// 2025 6.5840 versioned Put: a compare-and-set.
/// </summary>
[GenerateSerializer, Immutable, Alias("kv.cas")]
public sealed record KvPutIfVersion(string Key, string Value, long ExpectedVersion) : KvOperation;

/// <summary>
/// Opens a client session; the response's Version carries the new client id. The nonce makes each
/// registration a distinct command, so that a proposer can tell its own entry from another client's
/// registration that took the same log index after a leader change.
/// </summary>
[GenerateSerializer, Immutable, Alias("kv.register")]
public sealed record KvRegisterSession(string Nonce) : KvOperation;
