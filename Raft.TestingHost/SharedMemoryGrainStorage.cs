using System.Globalization;
using Orleans;
using Orleans.Runtime;
using Orleans.Storage;
using Raft.Persistence.Sqlite;

namespace Raft.TestingHost;

/// <summary>
/// Orleans grain storage in a dictionary, for tests, meant to be one instance shared by every silo of a test
/// cluster (register it with <c>services.AddGrainStorage(name, (_, _) => shared)</c>): unlike Orleans' memory storage,
/// whose records live in grains on the silos, nothing is lost when a silo is killed, so a killed and restarted Raft
/// peer finds what it persisted.
///
/// It keeps the encoded bytes (serializer output in a <see cref="StoredRecord"/> envelope), not objects, so every read
/// is a deep copy and memory runs the same envelope path as the durable providers. ETags come from a per-provider
/// write counter (unique within the provider, which is all an ETag must be here, and the same in every replay of a
/// deterministic test). Every call completes synchronously: the returned task is already completed (faulted on a
/// conflict), so a test that kills a silo knows exactly which writes made it.
/// With <c>clearKeepsRecord</c> a clear leaves a cleared marker with an ETag of its own, as Azure Blob storage does
/// with DeleteStateOnClear = false: it reads as RecordExists = false with that ETag, and the next write must present it.
/// Otherwise a clear removes the record. Errors are those of the durable providers: Orleans'
/// <see cref="InconsistentStateException"/>, <see cref="CorruptRecordException"/>, <see cref="GrainStateSerializationException"/>.
/// Not durable; thread-safe.
/// </summary>
public sealed class SharedMemoryGrainStorage : IGrainStorage
{
    private readonly IGrainStorageSerializer _serializer;
    private readonly Lock _lock = new();
    private readonly Dictionary<(string StateName, GrainId GrainId), Entry> _records = new();
    private long _writes;

    public SharedMemoryGrainStorage(IGrainStorageSerializer serializer, bool clearKeepsRecord = false)
    {
        ArgumentNullException.ThrowIfNull(serializer);
        _serializer = serializer;
        ClearKeepsRecord = clearKeepsRecord;
    }

    /// <summary>Every call completes before it returns, so issue order is apply order.</summary>
    public bool PreservesIssueOrder => true;

    /// <summary>A clear leaves a cleared marker with a new ETag instead of removing the record.</summary>
    public bool ClearKeepsRecord { get; }

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
                grainState.State = Decode<T>(entry.Bytes, RecordName(stateName, grainId));
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
            var recordName = RecordName(stateName, grainId);
            var bytes = Encode(grainState.State, recordName);
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
                CheckEtag(key, grainState.ETag, "clear", RecordName(stateName, grainId));
                if (ClearKeepsRecord)
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
    private string NextEtag() => (++_writes).ToString("x16", CultureInfo.InvariantCulture);

    // Caller holds _lock.
    private void CheckEtag((string, GrainId) key, string? presented, string operation, string recordName)
    {
        var stored = _records.TryGetValue(key, out var entry) ? entry.ETag : null;
        if (!string.Equals(stored, presented, StringComparison.Ordinal))
        {
            throw new InconsistentStateException(
                $"Cannot {operation} '{recordName}': storage holds ETag {Show(stored)} but the caller presented {Show(presented)}.",
                stored!,
                presented!);
        }
    }

    private static string Show(string? etag) => etag is null ? "none (no record)" : $"'{etag}'";

    /// <summary>Named as the durable providers name it in their errors.</summary>
    private static string RecordName(string stateName, GrainId grainId) => $"{stateName} of {grainId}";

    private byte[] Encode<T>(T state, string recordName)
    {
        BinaryData payload;
        try
        {
            payload = _serializer.Serialize(state);
        }
        catch (Exception ex)
        {
            throw new GrainStateSerializationException($"Could not serialize state of type {typeof(T)} for record '{recordName}': {ex.Message}", ex);
        }
        return StoredRecord.Encode(payload.ToMemory().Span);
    }

    private T Decode<T>(byte[] record, string recordName)
    {
        var payload = StoredRecord.Decode(record, recordName);
        try
        {
            return _serializer.Deserialize<T>(new BinaryData(payload))!;
        }
        catch (Exception ex)
        {
            throw new GrainStateSerializationException(
                $"Stored record '{recordName}' passed its checksum but could not be deserialized as {typeof(T)}: {ex.Message}", ex);
        }
    }

    private sealed record Entry(byte[] Bytes, string ETag, bool Cleared);
}
