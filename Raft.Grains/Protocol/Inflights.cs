namespace Raft.Grains.Protocol;

/// <summary>
/// The appends in flight to one follower in <see cref="ReplicationState.Replicate"/>, oldest first, each by the last
/// index it carries and its size (etcd raft's inflights). Full at either limit; an acknowledgement through an index
/// frees every append that ends at or below it, since the follower's log then holds them all.
/// </summary>
internal sealed class Inflights(int maxCount, long maxBytes)
{
    private readonly Queue<(long LastIndex, long Bytes)> _appends = new();

    public int Count => _appends.Count;

    public long Bytes { get; private set; }

    public bool IsFull => _appends.Count >= maxCount || Bytes >= maxBytes;

    public void Add(long lastIndex, long bytes)
    {
        _appends.Enqueue((lastIndex, bytes));
        Bytes += bytes;
    }

    public void FreeThrough(long index)
    {
        while (_appends.TryPeek(out var oldest) && oldest.LastIndex <= index)
        {
            _appends.Dequeue();
            Bytes -= oldest.Bytes;
        }
    }

    public void Clear()
    {
        _appends.Clear();
        Bytes = 0;
    }
}
