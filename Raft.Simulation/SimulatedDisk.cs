namespace Raft.Simulation;

/// <summary>
/// What one peer has durably stored: its records by name, each with the ETag of its last write. It outlives the
/// peer's lives (a crash loses nothing written), like a disk or a storage account.
/// </summary>
public sealed class SimulatedDisk
{
    private readonly Dictionary<string, StoredRecord> records = new(StringComparer.Ordinal);
    private long nextETag;

    private int failNext;

    /// <summary>Record writes and clears that landed.</summary>
    public long Writes { get; private set; }

    /// <summary>The next <paramref name="count"/> writes or clears fail with a storage error and change nothing (a full or broken disk).</summary>
    public void FailNextWrites(int count) => failNext = count;

    /// <summary>Consumes one planned failure: true when this write must fail.</summary>
    internal bool TakeFailure()
    {
        if (failNext <= 0)
        {
            return false;
        }
        failNext--;
        return true;
    }

    /// <summary>Every stored record with its name, in name order.</summary>
    public IEnumerable<(string Name, object State)> Records =>
        records.OrderBy(record => record.Key, StringComparer.Ordinal).Select(record => (record.Key, record.Value.State));

    /// <summary>The record's state and ETag, or null when it does not exist.</summary>
    public StoredRecord? Read(string name) => records.GetValueOrDefault(name);

    /// <summary>The state of record <paramref name="name"/>, or default when it does not exist.</summary>
    public T? Get<T>(string name) => records.TryGetValue(name, out var record) ? (T)record.State : default;

    /// <summary>Stores the record if its ETag is <paramref name="expectedETag"/> (null: must not exist); returns the new ETag, or null on a conflict.</summary>
    public string? TryWrite(string name, object state, string? expectedETag)
    {
        if (records.GetValueOrDefault(name)?.ETag != expectedETag)
        {
            return null;
        }
        var eTag = (++nextETag).ToString(System.Globalization.CultureInfo.InvariantCulture);
        records[name] = new StoredRecord(state, eTag);
        Writes++;
        return eTag;
    }

    /// <summary>Deletes the record if its ETag is <paramref name="expectedETag"/>; false on a conflict.</summary>
    public bool TryClear(string name, string? expectedETag)
    {
        if (records.GetValueOrDefault(name)?.ETag != expectedETag)
        {
            return false;
        }
        records.Remove(name);
        Writes++;
        return true;
    }

    public sealed record StoredRecord(object State, string ETag);
}
