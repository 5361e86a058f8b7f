namespace Raft.Grains;

/// <summary>Settings of the key-value service, bound from the configuration section "KeyValue".</summary>
public sealed class KeyValueOptions
{
    public int MaxKeyBytes { get; set; } = 4 * 1024;

    public int MaxValueBytes { get; set; } = 1024 * 1024;

    /// <summary>Take a snapshot once the persisted Raft state exceeds this many bytes; 0 or less never snapshots.</summary>
    public long MaxRaftStateBytes { get; set; } = 8 * 1024 * 1024;

    /// <summary>Client sessions kept; beyond this the least recently used is evicted (its client gets SessionExpired).</summary>
    public int MaxSessions { get; set; } = 100_000;

    /// <summary>How long the service waits for a proposed request to be applied before answering Timeout.</summary>
    public TimeSpan CommitTimeout { get; set; } = TimeSpan.FromSeconds(2);
}
