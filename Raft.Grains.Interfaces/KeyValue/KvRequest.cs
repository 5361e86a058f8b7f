using Orleans;

namespace Raft.Grains.Interfaces;

/// <summary>
/// A client's request: its session (client id from <see cref="KvRegisterSession"/>) and a sequence number
/// that grows by one per request, so that a retried request is applied at most once (Raft thesis §6.3).
/// </summary>
[GenerateSerializer, Immutable, Alias("kv.request")]
public sealed record KvRequest(long ClientId, long Sequence, KvOperation Operation);

[GenerateSerializer, Alias("kv.status")]
public enum KvStatus
{
    Ok = 0,
    /// <summary>Get or PutIfVersion on a key that does not exist.</summary>
    NoKey = 1,
    /// <summary>PutIfVersion found another version.</summary>
    VersionMismatch = 2,
    /// <summary>This peer is not the leader; try <see cref="KvResponse.LeaderHint"/>.</summary>
    WrongLeader = 3,
    /// <summary>The outcome is unknown (no commit in time, or leadership changed); retry with the same sequence.</summary>
    Timeout = 4,
    /// <summary>The session is unknown or was evicted; open a new one. Nothing was applied.</summary>
    SessionExpired = 5,
    /// <summary>The request is older than one already answered for this session; nothing was applied.</summary>
    StaleRequest = 6,
    /// <summary>A key or value exceeds the configured limit; nothing reached the log.</summary>
    TooLarge = 7,
}

/// <summary>The outcome of a request. Value and Version describe the key after (or, for Get, at) the operation.</summary>
[GenerateSerializer, Immutable, Alias("kv.response")]
public sealed record KvResponse(KvStatus Status, string? Value, long Version, string? LeaderHint)
{
    public static KvResponse Of(KvStatus status, string? leaderHint = null) => new(status, null, 0, leaderHint);
}
