namespace Raft.Grains.Protocol;

/// <summary>
/// Flow control of the leader's appends to each follower: the size of one AppendEntries and how much may be in
/// flight to one follower while it is in <see cref="ReplicationState.Replicate"/>. Each limit admits at least one
/// message, so an entry larger than <see cref="MaxBytesPerAppend"/> still goes out, alone.
/// </summary>
public sealed record ReplicationLimits(
    int MaxEntriesPerAppend = 512,
    long MaxBytesPerAppend = 1 << 20,
    int MaxInflightAppends = 32,
    long MaxInflightBytes = 8 << 20)
{
    public static readonly ReplicationLimits Default = new();

    public void Validate()
    {
        if (MaxEntriesPerAppend < 1 || MaxBytesPerAppend < 1 || MaxInflightAppends < 1 || MaxInflightBytes < 1)
        {
            throw new ArgumentException(
                $"Replication limits must be at least 1 (entries per append {MaxEntriesPerAppend}, bytes per append {MaxBytesPerAppend}, " +
                $"appends in flight {MaxInflightAppends}, bytes in flight {MaxInflightBytes}).");
        }
    }
}
