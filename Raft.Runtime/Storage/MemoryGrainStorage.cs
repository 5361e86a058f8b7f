namespace Raft.Runtime.Storage;

/// <summary>
/// Grain storage in a dictionary, for tests. It keeps the encoded bytes (serializer output in a
/// <see cref="StoredRecord"/> envelope), not objects, so every read is a deep copy and memory runs the same
/// envelope path as the durable providers. ETags come from a per-provider write counter (unique within the
/// provider, which is all an etag must be here, and the same in every replay of a deterministic simulation).
/// Every call completes synchronously: the returned task is already completed (faulted on a conflict), so a
/// test cluster that "crashes" a silo knows exactly which writes made it.
/// With <c>clearKeepsRecord</c> a clear leaves a cleared marker with an ETag of its own, as Azure Blob storage does
/// (<see cref="IGrainStorage.ClearKeepsRecord"/>). Not durable; thread-safe.
/// </summary>
public sealed class MemoryGrainStorage : IGrainStorage
{
    private readonly IGrainStorageSerializer _serializer;
    private readonly Lock _lock = new();
    private readonly Dictionary<(string StateName, GrainId GrainId), Entry> _records = new();
    private readonly bool _clearKeepsRecord;
    private long _writes;

    public MemoryGrainStorage(IGrainStorageSerializer serializer, bool clearKeepsRecord = false)
    {
        ArgumentNullException.ThrowIfNull(serializer);
        _serializer = serializer;
        _clearKeepsRecord = clearKeepsRecord;
    }

    /// <summary>A snapshot of the stored records with their encoded size (envelope included), for tests measuring persisted size.</summary>
    public IReadOnlyCollection<(string StateName, GrainId GrainId, int Bytes)> Records
    {
        get
        {
            lock (_lock)
            {
                return _records.Where(r => !r.Value.Cleared).Select(r => (r.Key.StateName, r.Key.GrainId, r.Value.Bytes.Length)).ToArray();
            }
        }
    }

    /// <summary>The encoded size (envelope included) of one record, or 0 when it does not exist.</summary>
    public int GetRecordSize(string stateName, GrainId grainId)
    {
        lock (_lock)
        {
            return _records.TryGetValue((stateName, grainId), out var entry) ? entry.Bytes.Length : 0;
        }
    }

    /// <summary>Every call completes before it returns, so issue order is apply order.</summary>
    public bool PreservesIssueOrder => true;

    public bool ClearKeepsRecord => _clearKeepsRecord;

    public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        try
        {
            ArgumentNullException.ThrowIfNull(stateName);
            ArgumentNullException.ThrowIfNull(grainState);
            Entry? entry;
            lock (_lock)
            {
                _records.TryGetValue((stateName, grainId), out entry);
            }
            if (entry is null || entry.Cleared)
            {
                grainState.State = FreshState.Create<T>();
                grainState.ETag = entry?.ETag;
                grainState.RecordExists = false;
            }
            else
            {
                // The stored array is never mutated after it is stored, so it can be decoded outside the lock.
                grainState.State = GrainStateCodec.Decode<T>(_serializer, entry.Bytes, GrainStateCodec.RecordName(stateName, grainId));
                grainState.ETag = entry.ETag;
                grainState.RecordExists = true;
            }
            return Task.CompletedTask;
        }
        catch (Exception ex)
        {
            return Task.FromException(ex);
        }
    }

    public Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        try
        {
            ArgumentNullException.ThrowIfNull(stateName);
            ArgumentNullException.ThrowIfNull(grainState);
            var recordName = GrainStateCodec.RecordName(stateName, grainId);
            var bytes = GrainStateCodec.Encode(_serializer, grainState.State, recordName);
            string newEtag;
            lock (_lock)
            {
                var key = (stateName, grainId);
                CheckEtag(key, grainState.ETag, "write", recordName);
                newEtag = NextEtag();
                _records[key] = new Entry(bytes, newEtag, Cleared: false);
            }
            grainState.ETag = newEtag;
            grainState.RecordExists = true;
            return Task.CompletedTask;
        }
        catch (Exception ex)
        {
            return Task.FromException(ex);
        }
    }

    public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        try
        {
            ArgumentNullException.ThrowIfNull(stateName);
            ArgumentNullException.ThrowIfNull(grainState);
            string? newEtag = null;
            lock (_lock)
            {
                var key = (stateName, grainId);
                CheckEtag(key, grainState.ETag, "clear", GrainStateCodec.RecordName(stateName, grainId));
                if (_clearKeepsRecord)
                {
                    newEtag = NextEtag();
                    _records[key] = new Entry([], newEtag, Cleared: true);
                }
                else
                {
                    _records.Remove(key);
                }
            }
            grainState.State = FreshState.Create<T>();
            grainState.ETag = newEtag;
            grainState.RecordExists = false;
            return Task.CompletedTask;
        }
        catch (Exception ex)
        {
            return Task.FromException(ex);
        }
    }

    // Caller holds _lock.
    private string NextEtag() => (++_writes).ToString("x16", System.Globalization.CultureInfo.InvariantCulture);

    // Caller holds _lock.
    private void CheckEtag((string, GrainId) key, string? presented, string operation, string recordName)
    {
        var stored = _records.TryGetValue(key, out var entry) ? entry.ETag : null;
        if (!string.Equals(stored, presented, StringComparison.Ordinal))
        {
            throw ETagConflict.Create(operation, recordName, stored, presented);
        }
    }

    private sealed record Entry(byte[] Bytes, string ETag, bool Cleared);
}
